-- Orders from payment to completion, deadlines that act by themselves, and the store/account lifecycle.
-- +goose Up
-- Row-level security is forced on the owner too: backfills below act as the system.
select set_config('app.role', 'system', true);

-- Invitations are accepted by someone who has no account yet: that step may see exactly one invitation.
create function app.invite_hash() returns text
  language sql stable parallel safe as $$ select app.setting('app.invite_hash') $$;

-- Why an order was cancelled. MERCHANT and NOT_SHIPPED count against the merchant (cancellation rate).
alter table orders add column cancel_kind text
  check (cancel_kind in ('BUYER', 'MERCHANT', 'ADMIN', 'PAYMENT_TIMEOUT', 'NOT_SHIPPED'));
update orders set cancel_kind = case
    when cancelled_by = 'BUYER' then 'BUYER'
    when cancelled_by = 'MERCHANT' then 'MERCHANT'
    when cancelled_by = 'ADMIN' then 'ADMIN'
    when paid_at is null then 'PAYMENT_TIMEOUT'
    else 'NOT_SHIPPED' end
  where status = 'CANCELLED';
alter table orders add constraint orders_cancel_kind_iff_cancelled check ((status = 'CANCELLED') = (cancel_kind is not null));
-- What may still be refunded, kept by the database (never negative: refunded <= paid is checked above).
alter table orders add column refundable_minor bigint generated always as (paid_minor - refunded_minor) stored;
alter table orders add column counts_as_merchant_cancellation boolean
  generated always as (coalesce(cancel_kind in ('MERCHANT', 'NOT_SHIPPED'), false)) stored;
alter table orders add column anonymized_at timestamptz;

-- Order numbers of new orders: "<store initials>-<n>", n from one sequence (starts above the demo's numbers).
create sequence order_number_seq start 100001;
grant usage on sequence order_number_seq to tradeguard_app;

-- Append-only history of every order change: the order's timeline.
create table order_events (
  tenant_id uuid not null,
  id uuid not null,
  order_id uuid not null,
  buyer_id uuid not null,
  -- orders events that share a timestamp (several changes in one transaction)
  seq bigint generated always as identity,
  at timestamptz not null,
  actor text not null check (actor in ('BUYER', 'MERCHANT', 'ADMIN', 'SYSTEM')),
  actor_id uuid,
  action text not null,
  from_status text,
  to_status text,
  reason text,
  note text,
  primary key (tenant_id, id),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id)
);
create index order_events_order on order_events (tenant_id, order_id, at, seq);
revoke update, delete, truncate on order_events from tradeguard_app;

-- Money in and out of an order, as the payment adapter reported it.
create table payment_transactions (
  tenant_id uuid not null,
  id uuid not null,
  order_id uuid not null,
  buyer_id uuid not null,
  kind text not null check (kind in ('CHARGE', 'REFUND')),
  method text not null check (method in ('CARD', 'WALLET', 'BANK_TRANSFER', 'CASH_ON_DELIVERY')),
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  status text not null check (status in ('SUCCEEDED', 'FAILED')),
  provider_ref text,
  failure_reason text,
  -- The client's key for a money-moving request: the same key never moves money twice on an order. Keys are
  -- scoped to the order (and kind), so two clients can never collide or learn of each other's keys.
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  created_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, order_id, kind, idempotency_key),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id)
);
create index payment_transactions_order on payment_transactions (tenant_id, order_id, created_at);
revoke update, delete, truncate on payment_transactions from tradeguard_app;

-- Deadlines are rows: a scheduler picks up the due ones with FOR UPDATE SKIP LOCKED, acting as the system.
-- One row per (kind, subject); scheduling again moves it. Most belong to a store (tenant_id); account
-- deadlines belong to a person (user_id) and no store, so the key is id alone.
create table deadlines (
  id uuid primary key,
  tenant_id uuid references stores (id),
  -- the buyer whose order or case this is, so the buyer's own actions can schedule it
  buyer_id uuid references users (id),
  user_id uuid references users (id),
  kind text not null check (kind ~ '^[a-z_]+\.[a-z_]+$'),
  subject_id uuid not null,
  due_at timestamptz not null,
  status text not null default 'PENDING' check (status in ('PENDING', 'DONE', 'CANCELLED', 'FAILED')),
  attempts int not null default 0,
  last_error text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (kind, subject_id),
  check (tenant_id is not null or user_id is not null)
);
create index deadlines_due on deadlines (due_at) where status = 'PENDING';
create index deadlines_tenant on deadlines (tenant_id, subject_id);

-- Store staff invitations; the token is "tgi_<store id, 32 hex>_<secret>" and only its SHA-256 is stored.
create table staff_invites (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  email text not null check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 254),
  staff_role text not null check (staff_role in ('OWNER', 'AGENT')),
  token_hash text not null,
  invited_by uuid not null references users (id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id uuid references users (id),
  revoked_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash)
);

alter table users add column deletes_at timestamptz;
alter table users add column anonymized_at timestamptz;

-- Append-only history of stores and accounts: onboarding, staff, closing, deletion.
create table lifecycle_events (
  id uuid primary key,
  tenant_id uuid references stores (id),
  user_id uuid references users (id),
  seq bigint generated always as identity,
  at timestamptz not null,
  actor text not null check (actor in ('BUYER', 'MERCHANT', 'ADMIN', 'SYSTEM')),
  actor_id uuid,
  action text not null,
  from_status text,
  to_status text,
  reason text,
  check (tenant_id is not null or user_id is not null)
);
create index lifecycle_events_tenant on lifecycle_events (tenant_id, at, seq);
create index lifecycle_events_user on lifecycle_events (user_id, at, seq);
revoke update, delete, truncate on lifecycle_events from tradeguard_app;

alter table order_events enable row level security;
alter table order_events force row level security;
alter table payment_transactions enable row level security;
alter table payment_transactions force row level security;
alter table deadlines enable row level security;
alter table deadlines force row level security;
alter table staff_invites enable row level security;
alter table staff_invites force row level security;
alter table lifecycle_events enable row level security;
alter table lifecycle_events force row level security;

create policy order_events_access on order_events for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));

create policy payment_transactions_access on payment_transactions for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));

create policy deadlines_access on deadlines for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id()))
    or user_id = (select app.user_id()))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id()))
    or user_id = (select app.user_id()));

create policy staff_invites_access on staff_invites for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'invite' and tenant_id = (select app.tenant_id()) and token_hash = (select app.invite_hash())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'invite' and tenant_id = (select app.tenant_id()) and token_hash = (select app.invite_hash())));

create policy lifecycle_events_access on lifecycle_events for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or user_id = (select app.user_id()))
  with check (
    (select app.is_platform())
    or ((select app.role()) in ('merchant', 'invite') and tenant_id = (select app.tenant_id()))
    or user_id = (select app.user_id()));

-- Accepting an invitation creates the account and its staff row inside the invitation's store.
drop policy store_staff_write on store_staff;
create policy store_staff_write on store_staff for all
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'invite' and tenant_id = (select app.tenant_id()) and user_id = (select app.user_id())));

-- +goose Down
drop table lifecycle_events, staff_invites, deadlines, payment_transactions, order_events;
drop sequence order_number_seq;
alter table users drop column deletes_at, drop column anonymized_at;
alter table orders drop column refundable_minor, drop column counts_as_merchant_cancellation, drop column anonymized_at, drop constraint orders_cancel_kind_iff_cancelled, drop column cancel_kind;
drop function app.invite_hash();
