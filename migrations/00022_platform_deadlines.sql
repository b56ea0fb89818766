-- Citus readiness (issue #14): deadlines held a store's deadlines and, without a store, the platform's jobs
-- (violations scan, daily scores, partition maintenance) and accounts' (deletion), keyed (id) and unique on
-- (kind, subject_id). The ones without a store now live in platform_deadlines, a global table (a reference
-- table on Citus: a handful of rows); deadlines keeps a store's, keyed (tenant_id, id) and unique on
-- (tenant_id, kind, subject_id). The scheduler claims from both.
-- +goose Up
select set_config('app.role', 'system', true);
create table platform_deadlines (
  id uuid primary key,
  -- the account this is about (its deletion); null for a platform job
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
  constraint platform_deadlines_owner_check
    check (user_id is not null or kind in ('violations.scan', 'scores.snapshot', 'retention.partitions'))
);
create index platform_deadlines_due on platform_deadlines (due_at) where status = 'PENDING';
alter table platform_deadlines enable row level security;
alter table platform_deadlines force row level security;
create policy platform_deadlines_access on platform_deadlines for all
  using ((select app.is_platform()) or user_id = (select app.user_id()))
  with check ((select app.is_platform()) or user_id = (select app.user_id()));

insert into platform_deadlines (id, user_id, kind, subject_id, due_at, status, attempts, last_error, created_at, updated_at)
  select id, user_id, kind, subject_id, due_at, status, attempts, last_error, created_at, updated_at
  from deadlines where tenant_id is null;
delete from deadlines where tenant_id is null;
alter table deadlines drop constraint deadlines_owner_check;
alter table deadlines alter column tenant_id set not null;
alter table deadlines drop constraint deadlines_pkey;
alter table deadlines add primary key (tenant_id, id);
alter table deadlines drop constraint deadlines_kind_subject_id_key;
alter table deadlines add constraint deadlines_kind_subject_id_key unique (tenant_id, kind, subject_id);

-- +goose Down
select set_config('app.role', 'system', true);
alter table deadlines drop constraint deadlines_kind_subject_id_key;
alter table deadlines add constraint deadlines_kind_subject_id_key unique (kind, subject_id);
alter table deadlines drop constraint deadlines_pkey;
alter table deadlines add primary key (id);
alter table deadlines alter column tenant_id drop not null;
insert into deadlines (id, tenant_id, buyer_id, user_id, kind, subject_id, due_at, status, attempts, last_error, created_at, updated_at)
  select id, null, null, user_id, kind, subject_id, due_at, status, attempts, last_error, created_at, updated_at
  from platform_deadlines;
alter table deadlines add constraint deadlines_owner_check
  check (tenant_id is not null or user_id is not null
    or kind in ('violations.scan', 'scores.snapshot', 'retention.partitions'));
drop table platform_deadlines;
