-- Retention at scale (issue #14), second table: case_events (every step of every after-sales case) is
-- partitioned by the month of `at` like order_events (00019), kept as long (4 years), by the same daily job.
-- Its unique (tenant_id, case_id, idempotency_key) cannot stay (a partitioned table's unique key must hold the
-- partition column); it was a backstop: a keyed request is replayed, not repeated, because it locks its case
-- row first and then looks for an event with its key (aftersales.transitionOnce), and the callers' keys are
-- also unique in idempotency_keys.
-- +goose Up
select set_config('app.role', 'system', true);
insert into app.time_partitions values ('case_events', 'at', interval '4 years', 3);

alter table case_events rename to case_events_unpartitioned;
alter table case_events_unpartitioned rename constraint case_events_pkey to case_events_unpartitioned_pkey;
alter table case_events_unpartitioned rename constraint case_events_tenant_id_case_id_idempotency_key_key
  to case_events_unpartitioned_idempotency_key;
alter index case_events_case rename to case_events_unpartitioned_case;
alter index case_events_violation_reasons rename to case_events_unpartitioned_violation_reasons;

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
  primary key (tenant_id, id, at),
  foreign key (tenant_id, case_id, buyer_id) references cases (tenant_id, id, buyer_id)
) partition by range (at);
create index case_events_case on case_events (tenant_id, case_id, at, seq);
create index case_events_violation_reasons on case_events (at)
  where actor = 'SYSTEM' and reason in ('MERCHANT_NO_RESPONSE', 'MERCHANT_LATE_RESHIP');
create table case_events_default partition of case_events default;
revoke update, delete, truncate on case_events from tradeguard_app;
revoke all on case_events_default from tradeguard_app;
alter table case_events enable row level security;
alter table case_events force row level security;
alter table case_events_default enable row level security;
alter table case_events_default force row level security;
create policy case_events_access on case_events for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));

insert into case_events (tenant_id, id, case_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status,
    reason, note, idempotency_key)
  overriding system value
  select tenant_id, id, case_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status, reason, note,
    idempotency_key
  from case_events_unpartitioned;
select setval(pg_get_serial_sequence('case_events', 'seq'), coalesce((select max(seq) from case_events), 0) + 1, false);
drop table case_events_unpartitioned;
select maintain_time_partitions(now());

-- +goose Down
select set_config('app.role', 'system', true);
alter table case_events rename to case_events_partitioned;
alter table case_events_partitioned rename constraint case_events_pkey to case_events_partitioned_pkey;
alter index case_events_case rename to case_events_partitioned_case;
alter index case_events_violation_reasons rename to case_events_partitioned_violation_reasons;
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
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  primary key (tenant_id, id),
  unique (tenant_id, case_id, idempotency_key),
  foreign key (tenant_id, case_id, buyer_id) references cases (tenant_id, id, buyer_id)
);
create index case_events_case on case_events (tenant_id, case_id, at, seq);
create index case_events_violation_reasons on case_events (at)
  where actor = 'SYSTEM' and reason in ('MERCHANT_NO_RESPONSE', 'MERCHANT_LATE_RESHIP');
revoke update, delete, truncate on case_events from tradeguard_app;
insert into case_events (tenant_id, id, case_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status,
    reason, note, idempotency_key)
  overriding system value
  select tenant_id, id, case_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status, reason, note,
    idempotency_key
  from case_events_partitioned;
select setval(pg_get_serial_sequence('case_events', 'seq'), coalesce((select max(seq) from case_events), 0) + 1, false);
drop table case_events_partitioned;
alter table case_events enable row level security;
alter table case_events force row level security;
create policy case_events_access on case_events for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
delete from app.time_partitions where table_name = 'case_events';
