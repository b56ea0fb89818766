-- Retention at scale (issue #14): order_events, the fastest-growing history (every change of every order), is
-- partitioned by the month of `at`. maintain_time_partitions(now) — run daily by the scheduler (kind
-- retention.partitions) — creates the months ahead and detaches the months past their table's retention into
-- schema archive, where an operator dumps and drops them. A row outside every month (a clock far off) lands in
-- the table's default partition, never in an error, and moves into its month once that month is made.
-- +goose Up
select set_config('app.role', 'system', true); -- the copies below read and write through row-level security
create schema archive;

-- Which tables are partitioned by month, on which column, kept how long, made how many months ahead.
create table app.time_partitions (
  table_name text primary key,
  time_column text not null,
  keep interval not null check (keep >= interval '1 month'),
  ahead int not null check (ahead between 1 and 24)
);
-- 3 years after an order completes (DESIGN §5), plus a year for the longest open orders (warranty cases).
insert into app.time_partitions values ('order_events', 'at', interval '4 years', 3);

alter table order_events rename to order_events_unpartitioned;
alter table order_events_unpartitioned rename constraint order_events_pkey to order_events_unpartitioned_pkey;
alter index order_events_order rename to order_events_unpartitioned_order;

-- The key takes the partition column (PostgreSQL requires it); ids are random UUIDs, unique regardless.
create table order_events (
  tenant_id uuid not null,
  id uuid not null,
  order_id uuid not null,
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
  primary key (tenant_id, id, at),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id)
) partition by range (at);
create index order_events_order on order_events (tenant_id, order_id, at, seq);
create table order_events_default partition of order_events default;
revoke update, delete, truncate on order_events from tradeguard_app;
revoke all on order_events_default from tradeguard_app;
alter table order_events enable row level security;
alter table order_events force row level security;
alter table order_events_default enable row level security;
alter table order_events_default force row level security;
create policy order_events_access on order_events for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));

insert into order_events (tenant_id, id, order_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status, reason, note)
  overriding system value
  select tenant_id, id, order_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status, reason, note
  from order_events_unpartitioned;
select setval(pg_get_serial_sequence('order_events', 'seq'), coalesce((select max(seq) from order_events), 0) + 1, false);
drop table order_events_unpartitioned;

-- +goose StatementBegin
-- Each partition is a plain table the app role cannot reach (no grants, row security forced without a
-- policy): rows are read and written through the parent, whose policies apply.
create function maintain_time_partitions(now timestamptz) returns setof text
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  p app.time_partitions;
  dflt text;
  first date;
  m date;
  part text;
  horizon date;
  r record;
  caller text := current_setting('app.role', true);
begin
  -- Attaching validates the foreign keys with a query that row-level security filters (FORCE applies to the
  -- owner too): it must see every order, so it runs as the system, and the caller's context comes back after.
  perform set_config('app.role', 'system', true);
  for p in select * from app.time_partitions order by table_name loop
    -- One maintainer per table at a time (every process's scheduler may run the job).
    perform pg_advisory_xact_lock(hashtext('maintain_time_partitions:' || p.table_name));
    dflt := p.table_name || '_default';
    -- Partitions have no policies (their parent's apply), so the default's forced row security is lifted,
    -- inside this transaction, while its rows are read and moved.
    execute format('alter table %I no force row level security', dflt);
    execute format('select date_trunc(''month'', min(%I))::date from %I', p.time_column, dflt) into first;
    first := least(coalesce(first, date_trunc('month', now)::date), date_trunc('month', now)::date);
    for m in select d::date from generate_series(first, date_trunc('month', now) + make_interval(months => p.ahead),
        interval '1 month') d loop
      part := p.table_name || '_' || to_char(m, 'YYYYMM');
      if to_regclass('public.' || part) is not null or to_regclass('archive.' || part) is not null then
        continue;
      end if;
      -- Made beside the table, filled with the default partition's rows of its month, then attached: the
      -- default never holds a row of an attached month.
      execute format('create table %I (like %I including defaults including constraints)', part, p.table_name);
      execute format('with moved as (delete from %I where %I >= %L and %I < %L returning *) insert into %I select * from moved',
        dflt, p.time_column, m, p.time_column, m + interval '1 month', part);
      execute format('alter table %I attach partition %I for values from (%L) to (%L)',
        p.table_name, part, m, m + interval '1 month');
      execute format('alter table %I enable row level security, force row level security', part);
      execute format('revoke all on %I from tradeguard_app', part);
      return next 'created ' || part;
    end loop;
    execute format('alter table %I force row level security', dflt);
    -- A month goes once all of it is older than the retention.
    horizon := date_trunc('month', now - p.keep)::date;
    for r in select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = ('public.' || p.table_name)::regclass and c.relname ~ ('^' || p.table_name || '_[0-9]{6}$')
        order by c.relname loop
      if to_date(right(r.relname, 6), 'YYYYMM') + interval '1 month' <= horizon then
        execute format('alter table %I detach partition %I', p.table_name, r.relname);
        execute format('alter table %I set schema archive', r.relname);
        return next 'detached ' || r.relname;
      end if;
    end loop;
  end loop;
  perform set_config('app.role', coalesce(caller, ''), true);
end $$;
-- +goose StatementEnd
revoke all on function maintain_time_partitions(timestamptz) from public;
grant execute on function maintain_time_partitions(timestamptz) to tradeguard_app;

select maintain_time_partitions(now());

-- The job's deadline belongs to no store and no person, like the other platform jobs.
alter table deadlines drop constraint deadlines_owner_check;
alter table deadlines add constraint deadlines_owner_check
  check (tenant_id is not null or user_id is not null
    or kind in ('violations.scan', 'scores.snapshot', 'retention.partitions'));

-- +goose Down
select set_config('app.role', 'system', true);
delete from deadlines where kind = 'retention.partitions';
alter table deadlines drop constraint deadlines_owner_check;
alter table deadlines add constraint deadlines_owner_check
  check (tenant_id is not null or user_id is not null or kind in ('violations.scan', 'scores.snapshot'));
drop function maintain_time_partitions(timestamptz);
alter table order_events rename to order_events_partitioned;
alter index order_events_order rename to order_events_partitioned_order;
alter table order_events_partitioned rename constraint order_events_pkey to order_events_partitioned_pkey;
create table order_events (
  tenant_id uuid not null,
  id uuid not null,
  order_id uuid not null,
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
  primary key (tenant_id, id),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id)
);
create index order_events_order on order_events (tenant_id, order_id, at, seq);
revoke update, delete, truncate on order_events from tradeguard_app;
insert into order_events (tenant_id, id, order_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status, reason, note)
  overriding system value
  select tenant_id, id, order_id, buyer_id, seq, at, actor, actor_id, action, from_status, to_status, reason, note
  from order_events_partitioned;
select setval(pg_get_serial_sequence('order_events', 'seq'), coalesce((select max(seq) from order_events), 0) + 1, false);
drop table order_events_partitioned;
alter table order_events enable row level security;
alter table order_events force row level security;
create policy order_events_access on order_events for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));
drop table app.time_partitions;
drop schema archive cascade;
