-- Merchant metrics and the merchant score (DESIGN §3.4, §3.6).
--
-- metric_signals is the fact table the rate metrics count: one row per reason an order counts in a metric
-- (a quality case, a negative rating, a ruling for the buyer, a chargeback, a completed refund, an escalation),
-- in force from effective_at until revoked_at. Triggers on cases, ratings and chargebacks write it in the same
-- transaction as the fact, from the fact's own timestamps, so a metric is live (no batch) and exact as of any
-- past instant: a signal counts at t when effective_at <= t and (revoked_at is null or revoked_at > t). Late
-- shipments and cancellations are read from the orders' own timestamps. Each signal copies its order's paid_at
-- (orders are attributed to the day they were paid), so a window is one index range per store and metric.
-- +goose Up
select set_config('app.role', 'system', true);

create table metric_signals (
  tenant_id uuid not null references stores (id),
  id uuid not null default gen_random_uuid(),
  order_id uuid not null,
  buyer_id uuid not null,
  metric text not null check (metric in ('dissatisfactionRate', 'orderDefectRate', 'refundRate',
    'qualityRefundRate', 'interventionRate', 'disputeRate')),
  signal text not null check (signal in ('QUALITY_CASE', 'NEGATIVE_RATING', 'UPHELD_COMPLAINT', 'RULED_FOR_BUYER',
    'CHARGEBACK', 'REFUND', 'QUALITY_REFUND', 'ESCALATED')),
  source text not null check (source in ('CASE', 'RATING', 'CHARGEBACK')),
  source_id uuid not null,
  paid_at timestamptz not null,
  effective_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  primary key (tenant_id, id),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id),
  check (revoked_at is null or revoked_at >= effective_at)
);
-- a metric's window of one store: (store, metric, paid_at range), everything else read from the index
create index metric_signals_window on metric_signals (tenant_id, metric, paid_at)
  include (order_id, buyer_id, effective_at, revoked_at);
create index metric_signals_source on metric_signals (tenant_id, source_id);
create index metric_signals_order on metric_signals (tenant_id, order_id);
revoke delete, truncate on metric_signals from tradeguard_app;

-- The late shipment and cancellation rates read these columns of a window's orders from the index alone.
create index orders_tenant_paid_metrics on orders (tenant_id, paid_at)
  include (ship_by, shipped_at, cancelled_at, counts_as_merchant_cancellation) where paid_at is not null;

-- Chargebacks reported by the payment adapter (or recorded by an admin): each enters the order defect rate.
create table chargebacks (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  order_id uuid not null,
  buyer_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  reason text not null check (length(reason) between 1 and 500),
  -- the payment provider's reference: one chargeback per reference and order
  provider_ref text not null check (length(provider_ref) between 1 and 200),
  reported_by text not null check (reported_by in ('PAYMENT_ADAPTER', 'ADMIN')),
  reporter_id uuid references users (id),
  reported_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, order_id, provider_ref),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id)
);
revoke update, delete, truncate on chargebacks from tradeguard_app;

-- Buyers the platform flags as abusive: their orders leave the dissatisfaction rate while a flag is set.
-- Accounts are global, so this table is too; only the platform reads it (and the buyer its own flags).
create table buyer_abuse_flags (
  id uuid primary key,
  buyer_id uuid not null references users (id),
  reason text not null check (length(reason) between 1 and 2000),
  flagged_at timestamptz not null,
  flagged_by uuid not null references users (id),
  cleared_at timestamptz,
  cleared_by uuid references users (id),
  clear_reason text check (length(clear_reason) between 1 and 2000),
  check ((cleared_at is null) = (cleared_by is null) and (cleared_at is null) = (clear_reason is null)),
  check (cleared_at is null or cleared_at >= flagged_at)
);
create unique index buyer_abuse_flags_one_open on buyer_abuse_flags (buyer_id) where cleared_at is null;
create index buyer_abuse_flags_buyer on buyer_abuse_flags (buyer_id, flagged_at);
revoke delete, truncate on buyer_abuse_flags from tradeguard_app;

-- Scoring policies: immutable versions (DESIGN §3.6). The policy document is scoring.Policy as JSON.
create table scoring_policies (
  version int primary key check (version > 0),
  policy jsonb not null,
  note text not null default '' check (length(note) <= 2000),
  published_at timestamptz not null,
  published_by uuid references users (id)
);
revoke update, delete, truncate on scoring_policies from tradeguard_app;
-- Version 1 is scoring.Default() (a test keeps the two equal); in force since before any order.
insert into scoring_policies (version, policy, note, published_at) values (1, '{
  "version": 1,
  "rules": [
    {"metric": "dissatisfactionRate", "weight": 25, "excellent": 0.01, "threshold": 0.03, "higherIsBetter": false},
    {"metric": "orderDefectRate", "weight": 20, "excellent": 0.003, "threshold": 0.01, "higherIsBetter": false},
    {"metric": "disputeRate", "weight": 15, "excellent": 0.0005, "threshold": 0.003, "higherIsBetter": false},
    {"metric": "qualityRefundRate", "weight": 10, "excellent": 0.01, "threshold": 0.04, "higherIsBetter": false},
    {"metric": "lateShipmentRate", "weight": 10, "excellent": 0.01, "threshold": 0.04, "higherIsBetter": false},
    {"metric": "cancellationRate", "weight": 10, "excellent": 0.005, "threshold": 0.025, "higherIsBetter": false},
    {"metric": "averageRating", "weight": 10, "excellent": 4.8, "threshold": 4.5, "higherIsBetter": true, "max": 5},
    {"metric": "refundRate", "weight": 0, "excellent": 0.03, "threshold": 0.08, "higherIsBetter": false},
    {"metric": "interventionRate", "weight": 0, "excellent": 0.005, "threshold": 0.02, "higherIsBetter": false},
    {"metric": "responseTime", "weight": 0, "excellent": 12, "threshold": 24, "higherIsBetter": false}
  ],
  "generalPointValue": 0.5, "seriousPointValue": 1, "deductionCap": 30,
  "bands": [{"level": "S", "min": 90}, {"level": "A", "min": 80}, {"level": "B", "min": 70}, {"level": "C", "min": 60}],
  "lowestLevel": "D",
  "minOrders": 30
}', 'The platform''s first policy (DESIGN §3.6); refund, intervention and response time are watched, not weighted.',
  '2000-01-01T00:00:00Z');

-- A store's score of one day (in the store's time zone), with everything it was computed from.
create table score_snapshots (
  tenant_id uuid not null references stores (id),
  day date not null,
  as_of timestamptz not null,
  policy_version int not null references scoring_policies (version),
  score numeric(4, 1) not null check (score between 0 and 100),
  level text not null check (length(level) between 1 and 20),
  orders_30d int not null check (orders_30d >= 0),
  -- per metric: value, numerator, denominator, insufficient, status (the scoreboard sorts and filters on these)
  metrics jsonb not null,
  -- the score's explanation: sub-scores, weights, deduction, what-if
  explanation jsonb not null,
  computed_at timestamptz not null,
  primary key (tenant_id, day)
);
create index score_snapshots_day on score_snapshots (day, tenant_id);

-- On-demand recomputations of every store's score for one day.
create table score_jobs (
  id uuid primary key,
  as_of timestamptz not null,
  status text not null check (status in ('RUNNING', 'SUCCEEDED', 'FAILED')),
  total int not null default 0,
  done int not null default 0,
  failed int not null default 0,
  error text,
  requested_by uuid references users (id),
  created_at timestamptz not null,
  finished_at timestamptz
);

-- Facts for later integrations (webhooks): written in the same transaction as what they announce.
create table outbox_events (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  seq bigint generated always as identity,
  topic text not null check (topic ~ '^[a-z_]+\.[a-z_]+$'),
  subject_id uuid not null,
  payload jsonb not null,
  occurred_at timestamptz not null,
  primary key (tenant_id, id)
);
create index outbox_events_tenant on outbox_events (tenant_id, seq);
revoke update, delete, truncate on outbox_events from tradeguard_app;

-- The daily score snapshot is a platform job like the violations scan: its deadline row has no owner.
alter table deadlines drop constraint deadlines_owner_check;
alter table deadlines add constraint deadlines_owner_check
  check (tenant_id is not null or user_id is not null or kind in ('violations.scan', 'scores.snapshot'));

alter table metric_signals enable row level security;
alter table metric_signals force row level security;
alter table chargebacks enable row level security;
alter table chargebacks force row level security;
alter table buyer_abuse_flags enable row level security;
alter table buyer_abuse_flags force row level security;
alter table scoring_policies enable row level security;
alter table scoring_policies force row level security;
alter table score_snapshots enable row level security;
alter table score_snapshots force row level security;
alter table score_jobs enable row level security;
alter table score_jobs force row level security;
alter table outbox_events enable row level security;
alter table outbox_events force row level security;

-- Signals are written by the triggers below in the context of whoever recorded the fact (a buyer opening a
-- case, a store answering, an admin ruling), so they carry the same three-way policy as cases.
create policy metric_signals_access on metric_signals for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
create policy chargebacks_platform on chargebacks for all
  using ((select app.is_platform())) with check ((select app.is_platform()));
create policy chargebacks_store_read on chargebacks for select
  using ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()));
create policy buyer_abuse_flags_platform on buyer_abuse_flags for all
  using ((select app.is_platform())) with check ((select app.is_platform()));
create policy buyer_abuse_flags_own on buyer_abuse_flags for select
  using ((select app.role()) = 'buyer' and buyer_id = (select app.user_id()));
-- app.buyer_flagged (below) runs as this migration's role: it may read every flag, and answers only yes/no.
create policy buyer_abuse_flags_definer on buyer_abuse_flags for select to current_user using (true);
create policy scoring_policies_read on scoring_policies for select using ((select app.role()) is not null);
create policy scoring_policies_write on scoring_policies for all
  using ((select app.is_platform())) with check ((select app.is_platform()));
create policy score_snapshots_platform on score_snapshots for all
  using ((select app.is_platform())) with check ((select app.is_platform()));
create policy score_snapshots_store_read on score_snapshots for select
  using ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()));
create policy score_jobs_platform on score_jobs for all
  using ((select app.is_platform())) with check ((select app.is_platform()));
create policy outbox_events_platform on outbox_events for all
  using ((select app.is_platform())) with check ((select app.is_platform()));
create policy outbox_events_store_read on outbox_events for select
  using ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()));

-- Whether a buyer was flagged as abusive at an instant. A store's metrics need the answer for its own buyers,
-- never the flag's reason or author.
create function app.buyer_flagged(buyer uuid, at timestamptz) returns boolean
  language sql stable security definer set search_path = public, pg_temp as $$
  select exists (select 1 from buyer_abuse_flags f
    where f.buyer_id = buyer and f.flagged_at <= at and (f.cleared_at is null or f.cleared_at > at)) $$;

-- +goose StatementBegin
create function metric_signal_add(t uuid, o uuid, b uuid, m text, sig text, src text, src_id uuid, at timestamptz)
returns void language plpgsql as $$
declare paid timestamptz;
begin
  select paid_at into paid from orders where tenant_id = t and id = o;
  if paid is null or at is null then
    return; -- an unpaid order is in no window
  end if;
  -- the same reason twice is one signal
  if exists (select 1 from metric_signals where tenant_id = t and source_id = src_id and metric = m and signal = sig
             and revoked_at is null) then
    return;
  end if;
  insert into metric_signals (tenant_id, order_id, buyer_id, metric, signal, source, source_id, paid_at, effective_at)
    values (t, o, b, m, sig, src, src_id, paid, at);
end $$;

create function metric_signal_revoke(t uuid, src_id uuid, m text, sig text, at timestamptz, why text)
returns void language sql as $$
  update metric_signals set revoked_at = greatest(at, effective_at), revoked_reason = why
    where tenant_id = t and source_id = src_id and metric = m and signal = sig and revoked_at is null $$;

-- A case's facts as signals (DESIGN §3.4). Cases opened for a buyer reason (the 7-day no-reason return, a
-- buyer's own cancellation) never count. Works from the row's own timestamps on insert too, so rows written
-- with their whole history (the data generator) get the same signals as rows changed step by step.
create function metric_case_signals_of(new cases, old cases, inserted boolean) returns void language plpgsql as $$
declare
  quality boolean := new.reason_category = 'QUALITY' and new.type <> 'COMPLAINT';
  upheld boolean := new.type = 'COMPLAINT' and coalesce(new.complaint_outcome <> 'REJECTED', false);
  was_upheld boolean := not inserted and old.type = 'COMPLAINT' and coalesce(old.complaint_outcome <> 'REJECTED', false);
  first_ruling text;
  old_ruling text;
  rulings text[] := '{}';
  times timestamptz[] := '{}';
  r text;
  at timestamptz;
begin
  if new.reason_category = 'BUYER' then
    return;
  end if;
  if inserted and quality then
    perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'dissatisfactionRate', 'QUALITY_CASE', 'CASE', new.id, new.created_at);
  end if;
  if upheld and not was_upheld then
    perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'dissatisfactionRate', 'UPHELD_COMPLAINT', 'CASE', new.id, new.updated_at);
  end if;
  if new.escalated_at is not null and (inserted or old.escalated_at is null) then
    perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'interventionRate', 'ESCALATED', 'CASE', new.id, new.escalated_at);
  end if;
  if new.refunded_at is not null and new.refunded_minor > 0 and (inserted or old.refunded_at is null) then
    perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'refundRate', 'REFUND', 'CASE', new.id, new.refunded_at);
    if new.reason_category = 'QUALITY' then
      perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'qualityRefundRate', 'QUALITY_REFUND', 'CASE', new.id, new.refunded_at);
    end if;
  end if;
  -- Rulings in the order they stood: the first ruling at ruled_at, an overturning appeal at appeal_decided_at.
  old_ruling := case when not inserted then old.ruling end;
  if new.ruling is not null and old_ruling is null then
    first_ruling := new.ruling;
    if new.appeal_outcome = 'OVERTURNED' then -- written with its whole history
      first_ruling := case new.ruling when 'FOR_BUYER' then 'FOR_MERCHANT' else 'FOR_BUYER' end;
    end if;
    rulings := array[first_ruling];
    times := array[coalesce(new.ruled_at, new.updated_at)];
    if first_ruling <> new.ruling then
      rulings := rulings || new.ruling;
      times := times || coalesce(new.appeal_decided_at, new.updated_at);
    end if;
  elsif new.ruling is distinct from old_ruling and new.ruling is not null then
    rulings := array[new.ruling];
    times := array[coalesce(new.appeal_decided_at, new.updated_at)];
  end if;
  for i in 1 .. coalesce(array_length(rulings, 1), 0) loop
    r := rulings[i];
    at := times[i];
    if r = 'FOR_BUYER' then
      perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'disputeRate', 'RULED_FOR_BUYER', 'CASE', new.id, at);
      perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'orderDefectRate', 'RULED_FOR_BUYER', 'CASE', new.id, at);
      -- a ruling for the merchant overturned: the case counts again from the appeal's decision
      if quality then
        perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'dissatisfactionRate', 'QUALITY_CASE', 'CASE', new.id, at);
      end if;
      if upheld then
        perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'dissatisfactionRate', 'UPHELD_COMPLAINT', 'CASE', new.id, at);
      end if;
    else
      perform metric_signal_revoke(new.tenant_id, new.id, 'disputeRate', 'RULED_FOR_BUYER', at, 'RULED_FOR_MERCHANT');
      perform metric_signal_revoke(new.tenant_id, new.id, 'orderDefectRate', 'RULED_FOR_BUYER', at, 'RULED_FOR_MERCHANT');
      perform metric_signal_revoke(new.tenant_id, new.id, 'dissatisfactionRate', 'QUALITY_CASE', at, 'RULED_FOR_MERCHANT');
      perform metric_signal_revoke(new.tenant_id, new.id, 'dissatisfactionRate', 'UPHELD_COMPLAINT', at, 'RULED_FOR_MERCHANT');
    end if;
  end loop;
end $$;

create function metric_case_signals() returns trigger language plpgsql as $$
begin
  perform metric_case_signals_of(new, old, tg_op = 'INSERT');
  return null;
end $$;

-- A negative rating (1–2 stars) counts from when it was given; a revision counts from when it was made.
create function metric_rating_signals_of(new ratings, old ratings, inserted boolean) returns void language plpgsql as $$
declare
  neg_before boolean;
  neg_after boolean := new.overall <= 2;
  at timestamptz;
begin
  if inserted then
    neg_before := new.initial_overall <= 2;
    if neg_before then
      perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'dissatisfactionRate', 'NEGATIVE_RATING', 'RATING', new.id, new.created_at);
      perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'orderDefectRate', 'NEGATIVE_RATING', 'RATING', new.id, new.created_at);
    end if;
    at := coalesce(new.revised_at, new.created_at);
  else
    neg_before := old.overall <= 2;
    at := coalesce(new.revised_at, new.created_at);
  end if;
  if neg_before and not neg_after then
    perform metric_signal_revoke(new.tenant_id, new.id, 'dissatisfactionRate', 'NEGATIVE_RATING', at, 'RATING_REVISED');
    perform metric_signal_revoke(new.tenant_id, new.id, 'orderDefectRate', 'NEGATIVE_RATING', at, 'RATING_REVISED');
  elsif neg_after and not neg_before then
    perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'dissatisfactionRate', 'NEGATIVE_RATING', 'RATING', new.id, at);
    perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'orderDefectRate', 'NEGATIVE_RATING', 'RATING', new.id, at);
  end if;
end $$;

create function metric_rating_signals() returns trigger language plpgsql as $$
begin
  perform metric_rating_signals_of(new, old, tg_op = 'INSERT');
  return null;
end $$;

create function metric_chargeback_signals() returns trigger language plpgsql as $$
begin
  perform metric_signal_add(new.tenant_id, new.order_id, new.buyer_id, 'orderDefectRate', 'CHARGEBACK', 'CHARGEBACK', new.id, new.reported_at);
  return null;
end $$;
-- +goose StatementEnd

create trigger cases_metric_signals after insert or update on cases
  for each row execute function metric_case_signals();
create trigger ratings_metric_signals after insert or update of overall, revised_at on ratings
  for each row execute function metric_rating_signals();
create trigger chargebacks_metric_signals after insert on chargebacks
  for each row execute function metric_chargeback_signals();

-- Signals for what was recorded before this migration.
-- +goose StatementBegin
do $$
declare
  c cases;
  r ratings;
begin
  for c in select * from cases order by created_at loop
    perform metric_case_signals_of(c, null, true);
  end loop;
  for r in select * from ratings order by created_at loop
    perform metric_rating_signals_of(r, null, true);
  end loop;
end $$;
-- +goose StatementEnd

-- +goose Down
select set_config('app.role', 'system', true);
drop trigger cases_metric_signals on cases;
drop trigger ratings_metric_signals on ratings;
drop trigger chargebacks_metric_signals on chargebacks;
drop function metric_case_signals(), metric_rating_signals(), metric_chargeback_signals(),
  metric_case_signals_of(cases, cases, boolean), metric_rating_signals_of(ratings, ratings, boolean),
  metric_signal_add(uuid, uuid, uuid, text, text, text, uuid, timestamptz),
  metric_signal_revoke(uuid, uuid, text, text, timestamptz, text), app.buyer_flagged(uuid, timestamptz);
delete from deadlines where kind = 'scores.snapshot';
alter table deadlines drop constraint deadlines_owner_check;
alter table deadlines add constraint deadlines_owner_check
  check (tenant_id is not null or user_id is not null or kind = 'violations.scan');
drop index orders_tenant_paid_metrics;
drop table outbox_events, score_jobs, score_snapshots, scoring_policies, buyer_abuse_flags, chargebacks, metric_signals;
