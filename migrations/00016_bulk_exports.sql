-- Bulk exports (issue #13): a store's orders, cases, ratings or violations as one JSONL or CSV file, made in
-- the background by the exporter (exports/) from one snapshot, and kept as chunks of about 1 MiB in
-- bulk_export_chunks until the export expires. Any number of server processes may run an exporter: a claim
-- is a lease, and a process that lost its lease (claim moved on) writes nothing more.
-- +goose Up
select set_config('app.role', 'system', true);

create table bulk_exports (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  kind text not null check (kind in ('ORDERS', 'CASES', 'RATINGS', 'VIOLATIONS')),
  format text not null check (format in ('JSONL', 'CSV')),
  filter jsonb not null default '{}',
  status text not null default 'QUEUED' check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'EXPIRED')),
  -- the rows to write (counted when the run starts) and written so far
  rows_total bigint,
  rows_done bigint not null default 0,
  bytes bigint not null default 0,
  chunks int not null default 0,
  error text,
  -- a person (requested_by) or a partner system (requested_by_token)
  requested_by uuid references users (id),
  requested_by_token uuid,
  claim int not null default 0,
  lease_until timestamptz,
  -- the moment the rows were read as of (the snapshot's start)
  snapshot_at timestamptz,
  created_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz not null,
  primary key (tenant_id, id),
  check (num_nonnulls(requested_by, requested_by_token) = 1)
);
create index bulk_exports_due on bulk_exports (created_at) where status in ('QUEUED', 'RUNNING');
create index bulk_exports_tenant on bulk_exports (tenant_id, created_at desc, id);
create index bulk_exports_expiring on bulk_exports (expires_at) where status in ('SUCCEEDED', 'FAILED');

create table bulk_export_chunks (
  tenant_id uuid not null,
  export_id uuid not null,
  seq int not null check (seq >= 0),
  data bytea not null,
  primary key (tenant_id, export_id, seq),
  foreign key (tenant_id, export_id) references bulk_exports (tenant_id, id) on delete cascade
);

alter table bulk_exports enable row level security;
alter table bulk_exports force row level security;
alter table bulk_export_chunks enable row level security;
alter table bulk_export_chunks force row level security;
-- The platform (the exporter's claims and clean-up) sees everything; a store's merchants their own exports.
create policy bulk_exports_access on bulk_exports for all
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())))
  with check ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));
create policy bulk_export_chunks_access on bulk_export_chunks for all
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())))
  with check ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));

-- The API's global id (internal/gid: base64url of "Kind:uuid[:uuid]", unpadded) computed where the rows are
-- read, so an export names objects as the API does. encode() breaks lines every 76 characters: drop them.
create function global_id(kind text, variadic ids uuid[]) returns text
  language sql immutable parallel safe as $$
  select translate(encode(convert_to(kind || ':' || array_to_string(ids, ':'), 'UTF8'), 'base64'), E'+/=\n', '-_')
$$;

-- +goose Down
select set_config('app.role', 'system', true);
drop function global_id(text, uuid[]);
drop table bulk_export_chunks, bulk_exports;
