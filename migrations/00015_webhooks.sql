-- Webhooks (issue #13). Facts become outbox_events in the transaction that records them: the triggers below
-- for orders, cases, ratings, violations and penalties; scoring's own inserts for metric and score alerts.
-- Each new event fans out, in the same transaction, to one webhook_deliveries row per active subscription
-- that wants its topic: a store's own (its owner's) and the platform's (an admin's). The deliverer
-- (webhooks/) claims due deliveries, posts them, and records every attempt.
-- +goose Up
select set_config('app.role', 'system', true);

create table webhook_subscriptions (
  id uuid primary key,
  -- the store whose events it receives; null: every store's (a platform subscription, made by an admin)
  tenant_id uuid references stores (id),
  url text not null check (char_length(url) <= 2000),
  topics text[] not null check (cardinality(topics) between 1 and 20),
  -- the signing secrets (HMAC-SHA256); the previous one still signs until previous_until, for rotation
  secret text not null,
  previous_secret text,
  previous_until timestamptz,
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
  disabled_reason text,
  created_by uuid not null references users (id),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index webhook_subscriptions_tenant on webhook_subscriptions (tenant_id);

create table webhook_deliveries (
  subscription_id uuid not null references webhook_subscriptions (id) on delete cascade,
  event_tenant uuid not null,
  event_id uuid not null,
  -- the subscription's store (null: platform), for row-level security
  tenant_id uuid,
  -- deliveries of one subject go out in event order (seq), one at a time
  subject_id uuid not null,
  seq bigint not null,
  status text not null default 'PENDING' check (status in ('PENDING', 'DELIVERED', 'FAILED')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null,
  first_attempt_at timestamptz,
  delivered_at timestamptz,
  primary key (subscription_id, event_id),
  foreign key (event_tenant, event_id) references outbox_events (tenant_id, id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'PENDING';
create index webhook_deliveries_subject on webhook_deliveries (subscription_id, subject_id, seq) where status = 'PENDING';

create table webhook_attempts (
  subscription_id uuid not null,
  event_id uuid not null,
  n int not null,
  at timestamptz not null,
  status_code int,
  latency_ms int not null,
  error text,
  primary key (subscription_id, event_id, n),
  foreign key (subscription_id, event_id) references webhook_deliveries (subscription_id, event_id) on delete cascade
);

alter table webhook_subscriptions enable row level security;
alter table webhook_subscriptions force row level security;
alter table webhook_deliveries enable row level security;
alter table webhook_deliveries force row level security;
alter table webhook_attempts enable row level security;
alter table webhook_attempts force row level security;
-- The platform sees everything; a store's merchants see its own subscriptions and their deliveries (who
-- may change them is the application's rule: the owner).
create policy webhook_subscriptions_access on webhook_subscriptions for all
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())))
  with check ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));
create policy webhook_deliveries_access on webhook_deliveries for all
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())))
  with check ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));
create policy webhook_attempts_access on webhook_attempts for all
  using ((select app.is_platform()) or exists (select 1 from webhook_deliveries d
    where d.subscription_id = webhook_attempts.subscription_id and d.event_id = webhook_attempts.event_id))
  with check ((select app.is_platform()));
-- case.deadline_near is written by the deliverer's scan (webhooks.Remind), once per case, deadline and window.
create unique index outbox_deadline_near on outbox_events (tenant_id, subject_id, (payload->>'deadlineAt'), (payload->>'window'))
  where topic = 'case.deadline_near';
create index cases_deadline_due on cases (deadline_at) where closed_at is null;

-- The triggers write as the schema owner, whoever's transaction it is.
create policy outbox_events_definer on outbox_events for all to current_user using (true) with check (true);
create policy webhook_deliveries_definer on webhook_deliveries for all to current_user using (true) with check (true);
create policy webhook_subscriptions_definer on webhook_subscriptions for select to current_user using (true);

-- +goose StatementBegin
create function webhook_emit(tenant uuid, topic text, subject uuid, payload jsonb, at timestamptz) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  insert into outbox_events (tenant_id, id, topic, subject_id, payload, occurred_at)
  values (tenant, gen_random_uuid(), topic, subject, payload, coalesce(at, now()));
end $$;
-- +goose StatementEnd

-- +goose StatementBegin
create function webhook_fan_out() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  insert into webhook_deliveries (subscription_id, event_tenant, event_id, tenant_id, subject_id, seq, next_attempt_at)
  select s.id, new.tenant_id, new.id, s.tenant_id, new.subject_id, new.seq, new.occurred_at
  from webhook_subscriptions s
  where s.status = 'ACTIVE' and new.topic = any (s.topics) and (s.tenant_id = new.tenant_id or s.tenant_id is null);
  return null;
end $$;
-- +goose StatementEnd
create trigger outbox_events_fan_out after insert on outbox_events for each row execute function webhook_fan_out();

-- +goose StatementBegin
create function webhook_order_facts() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  topic text := case new.status when 'PAID' then 'order.paid' when 'SHIPPED' then 'order.shipped'
    when 'CANCELLED' then 'order.cancelled' end;
begin
  if topic is not null and (tg_op = 'INSERT' or old.status is distinct from new.status) then
    perform webhook_emit(new.tenant_id, topic, new.id, jsonb_build_object('orderId', new.id, 'number', new.number,
      'status', new.status, 'previousStatus', case when tg_op = 'UPDATE' then old.status end,
      'total', jsonb_build_object('minor', new.total_minor, 'currency', new.currency),
      'carrier', new.carrier, 'trackingNumber', new.tracking_number, 'cancelKind', new.cancel_kind),
      case new.status when 'PAID' then new.paid_at when 'SHIPPED' then new.shipped_at else new.cancelled_at end);
  end if;
  return null;
end $$;
-- +goose StatementEnd
create trigger orders_webhook_facts after insert or update of status on orders for each row execute function webhook_order_facts();

-- +goose StatementBegin
create function webhook_case_facts() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op = 'INSERT' then
    perform webhook_emit(new.tenant_id, 'case.created', new.id, jsonb_build_object('caseId', new.id, 'number', new.number,
      'orderId', new.order_id, 'type', new.type, 'status', new.status, 'reason', new.reason,
      'requested', jsonb_build_object('minor', new.requested_minor, 'currency', new.currency)), new.created_at);
  elsif old.status is distinct from new.status then
    perform webhook_emit(new.tenant_id, 'case.status_changed', new.id, jsonb_build_object('caseId', new.id,
      'number', new.number, 'orderId', new.order_id, 'type', new.type, 'status', new.status,
      'previousStatus', old.status), new.updated_at);
  end if;
  return null;
end $$;
-- +goose StatementEnd
create trigger cases_webhook_facts after insert or update of status on cases for each row execute function webhook_case_facts();

-- +goose StatementBegin
create function webhook_other_facts() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  case tg_table_name
  when 'ratings' then
    perform webhook_emit(new.tenant_id, 'rating.created', new.id, jsonb_build_object('ratingId', new.id,
      'orderId', new.order_id, 'overall', new.overall, 'negative', new.negative), null);
  when 'violations' then
    perform webhook_emit(new.tenant_id, 'violation.issued', new.id, jsonb_build_object('violationId', new.id,
      'code', new.code, 'track', new.track, 'points', new.points, 'expiresAt', new.expires_at), new.issued_at);
  when 'store_penalties' then
    perform webhook_emit(new.tenant_id, 'penalty.started', new.id, jsonb_build_object('penaltyId', new.id,
      'kind', new.kind, 'track', new.track, 'points', new.points, 'startsAt', new.starts_at, 'endsAt', new.ends_at),
      new.starts_at);
  end case;
  return null;
end $$;
-- +goose StatementEnd
create trigger ratings_webhook_facts after insert on ratings for each row execute function webhook_other_facts();
create trigger violations_webhook_facts after insert on violations for each row execute function webhook_other_facts();
create trigger store_penalties_webhook_facts after insert on store_penalties for each row execute function webhook_other_facts();

-- +goose Down
select set_config('app.role', 'system', true);
drop trigger ratings_webhook_facts on ratings;
drop trigger violations_webhook_facts on violations;
drop trigger store_penalties_webhook_facts on store_penalties;
drop trigger cases_webhook_facts on cases;
drop trigger orders_webhook_facts on orders;
drop trigger outbox_events_fan_out on outbox_events;
drop function webhook_other_facts(), webhook_case_facts(), webhook_order_facts(), webhook_fan_out(),
  webhook_emit(uuid, text, uuid, jsonb, timestamptz);
drop policy outbox_events_definer on outbox_events;
drop index outbox_deadline_near, cases_deadline_due;
drop table webhook_attempts, webhook_deliveries, webhook_subscriptions;
