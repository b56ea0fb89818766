-- Citus readiness (issue #14): a delivery belongs to the store whose event it carries. Its tenant_id was the
-- subscriber's store, null for a platform-wide subscription, so Citus could not place it; now tenant_id is
-- the event's store (the distribution column, co-located with outbox_events) and the subscriber's store,
-- which row-level security reads, is subscriber_tenant. Renaming keeps the policies (they refer to columns,
-- not names): a merchant still sees exactly its own subscriptions' deliveries. Attempts take the delivery's
-- tenant_id into their key.
-- +goose Up
alter table webhook_attempts drop constraint webhook_attempts_subscription_id_event_id_fkey;
alter table webhook_deliveries rename column tenant_id to subscriber_tenant;
alter table webhook_deliveries rename column event_tenant to tenant_id;
alter table webhook_deliveries drop constraint webhook_deliveries_pkey;
alter table webhook_deliveries add primary key (tenant_id, subscription_id, event_id);
drop index webhook_deliveries_subject;
create index webhook_deliveries_subject on webhook_deliveries (tenant_id, subscription_id, subject_id, seq)
  where status = 'PENDING';
-- A subscription's deliveries page (newest first) and its give-up cross stores for a platform-wide one.
create index webhook_deliveries_subscription on webhook_deliveries (subscription_id, seq);

alter table webhook_attempts add column tenant_id uuid;
update webhook_attempts a set tenant_id = d.tenant_id from webhook_deliveries d
  where d.subscription_id = a.subscription_id and d.event_id = a.event_id;
alter table webhook_attempts alter column tenant_id set not null;
alter table webhook_attempts drop constraint webhook_attempts_pkey;
alter table webhook_attempts add primary key (tenant_id, subscription_id, event_id, n);
alter table webhook_attempts add foreign key (tenant_id, subscription_id, event_id)
  references webhook_deliveries (tenant_id, subscription_id, event_id) on delete cascade;
drop policy webhook_attempts_access on webhook_attempts;
create policy webhook_attempts_access on webhook_attempts for all
  using ((select app.is_platform()) or exists (select 1 from webhook_deliveries d
    where d.tenant_id = webhook_attempts.tenant_id and d.subscription_id = webhook_attempts.subscription_id
      and d.event_id = webhook_attempts.event_id))
  with check ((select app.is_platform()));

-- +goose StatementBegin
create or replace function webhook_fan_out() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  insert into webhook_deliveries (subscription_id, tenant_id, event_id, subscriber_tenant, subject_id, seq, next_attempt_at)
  select s.id, new.tenant_id, new.id, s.tenant_id, new.subject_id, new.seq, new.occurred_at
  from webhook_subscriptions s
  where s.status = 'ACTIVE' and new.topic = any (s.topics) and (s.tenant_id = new.tenant_id or s.tenant_id is null);
  return null;
end $$;
-- +goose StatementEnd

-- +goose Down
drop policy webhook_attempts_access on webhook_attempts;
create policy webhook_attempts_access on webhook_attempts for all
  using ((select app.is_platform()) or exists (select 1 from webhook_deliveries d
    where d.subscription_id = webhook_attempts.subscription_id and d.event_id = webhook_attempts.event_id))
  with check ((select app.is_platform()));
alter table webhook_attempts drop constraint webhook_attempts_tenant_id_subscription_id_event_id_fkey;
alter table webhook_attempts drop constraint webhook_attempts_pkey;
alter table webhook_attempts add primary key (subscription_id, event_id, n);
alter table webhook_attempts drop column tenant_id;
drop index webhook_deliveries_subscription;
drop index webhook_deliveries_subject;
create index webhook_deliveries_subject on webhook_deliveries (subscription_id, subject_id, seq) where status = 'PENDING';
alter table webhook_deliveries drop constraint webhook_deliveries_pkey;
alter table webhook_deliveries rename column tenant_id to event_tenant;
alter table webhook_deliveries rename column subscriber_tenant to tenant_id;
alter table webhook_deliveries add primary key (subscription_id, event_id);
alter table webhook_attempts add foreign key (subscription_id, event_id)
  references webhook_deliveries (subscription_id, event_id) on delete cascade;
-- +goose StatementBegin
create or replace function webhook_fan_out() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  insert into webhook_deliveries (subscription_id, event_tenant, event_id, tenant_id, subject_id, seq, next_attempt_at)
  select s.id, new.tenant_id, new.id, s.tenant_id, new.subject_id, new.seq, new.occurred_at
  from webhook_subscriptions s
  where s.status = 'ACTIVE' and new.topic = any (s.topics) and (s.tenant_id = new.tenant_id or s.tenant_id is null);
  return null;
end $$;
-- +goose StatementEnd
