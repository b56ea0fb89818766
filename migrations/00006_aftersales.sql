-- After-sales cases: one model for cancel, refund, return, exchange, warranty repair and complaint requests,
-- with their items, thread, evidence, refunds and history. The facts the metrics count (reason category,
-- escalation, ruling, completed refund, first answer) are columns written when they happen.
-- +goose Up
create sequence case_number_seq start 1001;
grant usage on sequence case_number_seq to tradeguard_app;

create table cases (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  number text not null,
  order_id uuid not null,
  buyer_id uuid not null,
  type text not null check (type in ('ORDER_CANCEL', 'REFUND_ONLY', 'RETURN_REFUND', 'EXCHANGE', 'WARRANTY_REPAIR', 'COMPLAINT')),
  status text not null check (status in ('REQUESTED', 'AWAITING_RETURN', 'RETURN_SHIPPED', 'AWAITING_RESHIP', 'RESHIPPED',
    'REFUNDING', 'REFUNDED', 'REFUND_FAILED', 'REJECTED', 'IN_ARBITRATION', 'CLOSED_FOR_MERCHANT', 'COMPLETED',
    'WITHDRAWN', 'CLOSED', 'PLATFORM_REVIEW')),
  reason text not null,
  reason_category text not null check (reason_category in ('BUYER', 'QUALITY', 'FULFILMENT', 'COMPLAINT')),
  description text not null default '' check (length(description) <= 2000),
  currency char(3) not null,
  requested_minor bigint not null check (requested_minor >= 0),
  -- what the case will refund (set on approval or ruling; partial refunds allowed)
  approved_minor bigint check (approved_minor >= 0),
  refunded_minor bigint not null default 0 check (refunded_minor >= 0),
  revisions int not null default 0 check (revisions between 0 and 3),
  rejection_reason text,
  -- when the merchant must answer (set on opening and on each revision), and when it was approved or rejected
  respond_by timestamptz not null,
  approved_at timestamptz,
  rejected_at timestamptz,
  -- the buyer's declared bank account for a refund by transfer (only masked; the full number is never stored)
  refund_bank_code text,
  refund_bank_account_masked text,
  -- facts for the metrics
  first_response_at timestamptz,
  escalated_at timestamptz,
  escalated_by text check (escalated_by in ('BUYER', 'MERCHANT', 'SYSTEM')),
  refunded_at timestamptz,
  -- complaints
  priority_escalated_at timestamptz,
  complaint_outcome text check (complaint_outcome in ('REFUND', 'EXCHANGE', 'PRICE_DIFFERENCE', 'REJECTED')),
  -- arbitration
  buyer_evidence_due timestamptz,
  merchant_evidence_due timestamptz,
  ruling text check (ruling in ('FOR_BUYER', 'FOR_MERCHANT')),
  liability text check (liability in ('MERCHANT', 'BUYER', 'CARRIER', 'PLATFORM')),
  ruled_at timestamptz,
  ruled_by uuid references users (id),
  ruling_note text,
  appeal_by text check (appeal_by in ('BUYER', 'MERCHANT')),
  appealed_at timestamptz,
  appeal_reason text,
  appeal_decided_at timestamptz,
  appeal_decided_by uuid references users (id),
  appeal_outcome text check (appeal_outcome in ('UPHELD', 'OVERTURNED')),
  -- the buyer's return and the merchant's reshipment
  return_carrier text,
  return_tracking text,
  return_shipped_at timestamptz,
  return_delivered_at timestamptz,
  return_received_at timestamptz,
  reship_carrier text,
  reship_tracking text,
  reshipped_at timestamptz,
  -- the case's current deadline and what happens then (kept by every change, so queues sort and filter on it)
  deadline_at timestamptz,
  deadline_action text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  closed_at timestamptz,
  version int not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, number),
  unique (tenant_id, id, buyer_id),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id),
  check (approved_minor is null or refunded_minor <= approved_minor)
);
create index cases_tenant_status on cases (tenant_id, status, created_at desc, id desc);
create index cases_tenant_order on cases (tenant_id, order_id);
create index cases_tenant_created on cases (tenant_id, created_at desc, id desc);
create index cases_tenant_deadline on cases (tenant_id, deadline_at, id) where closed_at is null;
-- the platform's queues (arbitration, complaints) span stores
create index cases_platform_queue on cases (status, deadline_at, id) where status in ('IN_ARBITRATION', 'PLATFORM_REVIEW');
-- A buyer's cases span stores, so this one index cannot lead with tenant_id.
create index cases_buyer_created on cases (buyer_id, created_at desc, id desc);

create table case_items (
  tenant_id uuid not null,
  case_id uuid not null,
  order_item_id uuid not null,
  buyer_id uuid not null,
  quantity int not null check (quantity > 0),
  primary key (tenant_id, case_id, order_item_id),
  foreign key (tenant_id, case_id, buyer_id) references cases (tenant_id, id, buyer_id),
  foreign key (tenant_id, order_item_id) references order_items (tenant_id, id)
);

create table case_events (
  tenant_id uuid not null,
  id uuid not null,
  case_id uuid not null,
  buyer_id uuid not null,
  seq bigint generated always as identity,
  at timestamptz not null,
  actor text not null check (actor in ('BUYER', 'MERCHANT', 'ADMIN', 'SYSTEM')),
  actor_id uuid,
  action text not null,
  from_status text,
  to_status text,
  reason text,
  note text,
  -- the client's key of a money-moving request: repeating it replays the answer instead of acting again
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  primary key (tenant_id, id),
  unique (tenant_id, case_id, idempotency_key),
  foreign key (tenant_id, case_id, buyer_id) references cases (tenant_id, id, buyer_id)
);
create index case_events_case on case_events (tenant_id, case_id, at, seq);
revoke update, delete, truncate on case_events from tradeguard_app;

create table case_messages (
  tenant_id uuid not null,
  id uuid not null,
  case_id uuid not null,
  buyer_id uuid not null,
  seq bigint generated always as identity,
  author text not null check (author in ('BUYER', 'MERCHANT', 'ADMIN', 'SYSTEM')),
  author_id uuid,
  body text not null check (length(body) between 1 and 2000),
  created_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id, buyer_id) references cases (tenant_id, id, buyer_id)
);
create index case_messages_case on case_messages (tenant_id, case_id, created_at, seq);
revoke update, delete, truncate on case_messages from tradeguard_app;

create table evidence (
  tenant_id uuid not null,
  id uuid not null,
  case_id uuid not null,
  buyer_id uuid not null,
  uploaded_by text not null check (uploaded_by in ('BUYER', 'MERCHANT', 'ADMIN')),
  uploader_id uuid,
  kind text not null check (kind in ('PHOTO', 'SCREENSHOT', 'RECEIPT', 'CHAT_LOG', 'TECHNICAL_REPORT', 'OTHER')),
  filename text not null check (length(filename) between 1 and 255),
  content_type text not null,
  size_bytes int not null check (size_bytes between 1 and 10485760),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  data bytea not null,
  created_at timestamptz not null,
  primary key (tenant_id, id),
  foreign key (tenant_id, case_id, buyer_id) references cases (tenant_id, id, buyer_id)
);
create index evidence_case on evidence (tenant_id, case_id, created_at);
revoke update, delete, truncate on evidence from tradeguard_app;

-- A refund of a case. Money moves through the payment adapter; the order's refunded total (checked against
-- what was paid) is raised in the same transaction as a SUCCEEDED refund.
create table refunds (
  tenant_id uuid not null,
  id uuid not null,
  case_id uuid not null,
  order_id uuid not null,
  buyer_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  -- ORIGINAL: back by the order's payment method while its refund window is open; else BANK_TRANSFER
  route text not null check (route in ('ORIGINAL', 'BANK_TRANSFER')),
  payment_method text not null,
  bank_code text,
  bank_account_masked text,
  status text not null check (status in ('PENDING', 'SUCCEEDED', 'FAILED')),
  attempts int not null default 0,
  last_error text,
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  provider_ref text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, case_id, idempotency_key),
  foreign key (tenant_id, case_id, buyer_id) references cases (tenant_id, id, buyer_id),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id)
);
create index refunds_case on refunds (tenant_id, case_id, created_at);

alter table cases enable row level security;
alter table cases force row level security;
alter table case_items enable row level security;
alter table case_items force row level security;
alter table case_events enable row level security;
alter table case_events force row level security;
alter table case_messages enable row level security;
alter table case_messages force row level security;
alter table evidence enable row level security;
alter table evidence force row level security;
alter table refunds enable row level security;
alter table refunds force row level security;

-- Every after-sales table: the platform, the store's staff, the case's buyer.
create policy cases_access on cases for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
create policy case_items_access on case_items for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
create policy case_events_access on case_events for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
create policy case_messages_access on case_messages for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
create policy evidence_access on evidence for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
create policy refunds_access on refunds for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));

-- A buyer may read the products it bought even once they are archived: a case on an old order needs the
-- product's category (legal exclusions) and warranty.
create index order_items_tenant_product on order_items (tenant_id, product_id, buyer_id);
create policy products_read_ordered on products for select using (
  (select app.role()) = 'buyer' and exists (select 1 from order_items oi
    where oi.tenant_id = products.tenant_id and oi.product_id = products.id and oi.buyer_id = (select app.user_id())));

-- +goose Down
drop policy products_read_ordered on products;
drop index order_items_tenant_product;
drop table refunds, evidence, case_messages, case_events, case_items, cases;
drop sequence case_number_seq;
