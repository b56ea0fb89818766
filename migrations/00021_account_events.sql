-- Citus readiness (issue #14): lifecycle_events held a store's history and an account's in one table, so
-- account events (sign-up, deletion, abuse flags) had no store and the table had no store key. Account
-- events now live in account_events, a global table (a reference table on Citus; accounts are global, and
-- their events are few); lifecycle_events keeps the store events, keyed (tenant_id, id). An event of both (a
-- staff member joining or leaving) is written to both, as each history shows it.
-- +goose Up
select set_config('app.role', 'system', true);
create table account_events (
  id uuid primary key,
  user_id uuid not null references users (id),
  -- the store the event concerns, if any (staff joining or leaving)
  store_id uuid references stores (id),
  seq bigint generated always as identity,
  at timestamptz not null,
  actor text not null check (actor in ('BUYER', 'MERCHANT', 'ADMIN', 'SYSTEM')),
  actor_id uuid,
  action text not null,
  from_status text,
  to_status text,
  reason text
);
create index account_events_user on account_events (user_id, at, seq);
revoke update, delete, truncate on account_events from tradeguard_app;
alter table account_events enable row level security;
alter table account_events force row level security;
-- The person and the platform read an account's history; a store's staff record its staff changes.
create policy account_events_access on account_events for all
  using ((select app.is_platform()) or user_id = (select app.user_id()))
  with check (
    (select app.is_platform())
    or user_id = (select app.user_id())
    or ((select app.role()) = 'merchant' and store_id = (select app.tenant_id())));

insert into account_events (id, user_id, store_id, seq, at, actor, actor_id, action, from_status, to_status, reason)
  overriding system value
  select id, user_id, tenant_id, seq, at, actor, actor_id, action, from_status, to_status, reason
  from lifecycle_events where user_id is not null;
select setval(pg_get_serial_sequence('account_events', 'seq'),
  greatest(coalesce((select max(seq) from account_events), 0), coalesce((select max(seq) from lifecycle_events), 0)) + 1, false);
delete from lifecycle_events where tenant_id is null;

alter table lifecycle_events alter column tenant_id set not null;
alter table lifecycle_events drop constraint lifecycle_events_check;
alter table lifecycle_events drop constraint lifecycle_events_pkey;
alter table lifecycle_events add primary key (tenant_id, id);
drop index lifecycle_events_user;

-- +goose Down
select set_config('app.role', 'system', true);
create index lifecycle_events_user on lifecycle_events (user_id, at, seq);
alter table lifecycle_events drop constraint lifecycle_events_pkey;
alter table lifecycle_events add primary key (id);
alter table lifecycle_events alter column tenant_id drop not null;
alter table lifecycle_events add constraint lifecycle_events_check check (tenant_id is not null or user_id is not null);
insert into lifecycle_events (id, tenant_id, user_id, seq, at, actor, actor_id, action, from_status, to_status, reason)
  overriding system value
  select id, null, user_id, seq, at, actor, actor_id, action, from_status, to_status, reason
  from account_events a where a.store_id is null;
drop table account_events;
