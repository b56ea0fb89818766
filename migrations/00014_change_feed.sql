-- The change feed for incremental sync (issue #13: `updatedSince` on orders and cases). Every insert or
-- update of an order or a case records when (changed_at, the database's clock) and by which transaction
-- (change_xid, its top-level id). A sync lists changes in change_xid order and only those of transactions
-- older than every transaction still running (pg_snapshot_xmin), so a change committed late is never behind
-- a cursor already handed out: it is listed on a later page, once, after it committed.
-- +goose Up
select set_config('app.role', 'system', true);

-- Constant defaults: adding the columns rewrites nothing. Rows from before count as changed at the
-- migration, before any transaction since (3 is PostgreSQL's first normal transaction id).
alter table orders add column changed_at timestamptz not null default now(),
  add column change_xid xid8 not null default '3';
alter table cases add column changed_at timestamptz not null default now(),
  add column change_xid xid8 not null default '3';

-- +goose StatementBegin
create function track_change() returns trigger language plpgsql as $$
begin
  new.changed_at := now();
  new.change_xid := pg_current_xact_id();
  return new;
end $$;
-- +goose StatementEnd
create trigger orders_track_change before insert or update on orders for each row execute function track_change();
create trigger cases_track_change before insert or update on cases for each row execute function track_change();

create index orders_changes on orders (tenant_id, change_xid, id);
create index cases_changes on cases (tenant_id, change_xid, id);

-- +goose Down
select set_config('app.role', 'system', true);
drop trigger orders_track_change on orders;
drop trigger cases_track_change on cases;
drop function track_change();
alter table orders drop column changed_at, drop column change_xid;
alter table cases drop column changed_at, drop column change_xid;
