-- Row counts per store and status, kept with the rows, so a connection's totalCount costs the same at 200 and
-- at 200,000 matching orders or cases (issue #12). A count is the sum of a store's cells for the statuses asked.
--
-- Each cell is split into 32 slots, and a writing transaction takes a slot no other writing transaction holds
-- (write_slot): two connections creating orders in the same store at once add to different rows and do not
-- wait on each other, and a reader sums at most 32 rows per status. Statement-level triggers with transition tables move the cells in the writer's own
-- transaction, one upsert per statement (a bulk insert of 100,000 orders is one statement, not 100,000).
-- +goose Up
select set_config('app.role', 'system', true);

create table row_counts (
  tenant_id uuid not null,
  tbl text not null check (tbl in ('orders', 'cases')),
  status text not null,
  slot smallint not null,
  n bigint not null,
  primary key (tenant_id, tbl, status, slot)
);

alter table row_counts enable row level security;
alter table row_counts force row level security;
create policy row_counts_read on row_counts for select
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));
create policy row_counts_definer on row_counts for all to current_user using (true) with check (true);
revoke insert, update, delete, truncate on row_counts from tradeguard_app;

-- +goose StatementBegin
-- write_slot: the slot (0..31) of a family of cells this transaction writes, one that no other open
-- transaction holds (a try-lock held to the transaction's end: it never waits), starting from the backend's
-- own; if all 32 are taken, the backend's own (the writer then waits for that row, as without slots).
create function write_slot(family text) returns smallint language plpgsql as $$
declare
  base int := pg_backend_pid() % 32;
begin
  for i in 0..31 loop
    if pg_try_advisory_xact_lock(hashtext(family), (base + i) % 32) then
      return ((base + i) % 32)::smallint;
    end if;
  end loop;
  return base::smallint;
end $$;

-- Adds the differences between old and new rows (either may be empty); keys in order, so two writers that
-- do share a slot lock its rows in the same order.
create function row_counts_move(counted text, old_keys jsonb, new_keys jsonb) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  my_slot smallint := write_slot('row_counts');
begin
  insert into row_counts (tenant_id, tbl, status, slot, n)
  select d.tenant_id, counted, d.status, my_slot, d.n from (
    select k.tenant_id, k.status, sum(k.n)::bigint n from (
      select (e->>'t')::uuid tenant_id, e->>'s' status, -(e->>'n')::bigint n from jsonb_array_elements(old_keys) e
      union all
      select (e->>'t')::uuid, e->>'s', (e->>'n')::bigint from jsonb_array_elements(new_keys) e) k
    group by 1, 2 having sum(k.n) <> 0) d
  order by 1, 3
  on conflict (tenant_id, tbl, status, slot) do update set n = row_counts.n + excluded.n;
end $$;

-- tg_argv[0] names the table. An update moves only the rows whose status changed.
create function row_counts_track() returns trigger language plpgsql as $$
declare
  o jsonb := '[]'; n jsonb := '[]';
begin
  if tg_op = 'UPDATE' then
    select coalesce(jsonb_agg(jsonb_build_object('t', t, 's', s, 'n', c)), '[]') into o
      from (select x.tenant_id t, x.status s, count(*) c from old_rows x join new_rows y using (tenant_id, id)
        where x.status <> y.status group by 1, 2) x;
    select coalesce(jsonb_agg(jsonb_build_object('t', t, 's', s, 'n', c)), '[]') into n
      from (select y.tenant_id t, y.status s, count(*) c from old_rows x join new_rows y using (tenant_id, id)
        where x.status <> y.status group by 1, 2) y;
  elsif tg_op = 'DELETE' then
    select coalesce(jsonb_agg(jsonb_build_object('t', t, 's', s, 'n', c)), '[]') into o
      from (select tenant_id t, status s, count(*) c from old_rows group by 1, 2) x;
  else
    select coalesce(jsonb_agg(jsonb_build_object('t', t, 's', s, 'n', c)), '[]') into n
      from (select tenant_id t, status s, count(*) c from new_rows group by 1, 2) x;
  end if;
  if o <> '[]' or n <> '[]' then
    perform row_counts_move(tg_argv[0], o, n);
  end if;
  return null;
end $$;
-- +goose StatementEnd

create trigger orders_row_counts_insert after insert on orders referencing new table as new_rows
  for each statement execute function row_counts_track('orders');
create trigger orders_row_counts_update after update on orders referencing old table as old_rows new table as new_rows
  for each statement execute function row_counts_track('orders');
create trigger orders_row_counts_delete after delete on orders referencing old table as old_rows
  for each statement execute function row_counts_track('orders');
create trigger cases_row_counts_insert after insert on cases referencing new table as new_rows
  for each statement execute function row_counts_track('cases');
create trigger cases_row_counts_update after update on cases referencing old table as old_rows new table as new_rows
  for each statement execute function row_counts_track('cases');
create trigger cases_row_counts_delete after delete on cases referencing old table as old_rows
  for each statement execute function row_counts_track('cases');

insert into row_counts (tenant_id, tbl, status, slot, n)
  select tenant_id, 'orders', status, 0, count(*) from orders group by 1, 3
  union all select tenant_id, 'cases', status, 0, count(*) from cases group by 1, 3;

-- +goose Down
select set_config('app.role', 'system', true);
drop trigger orders_row_counts_insert on orders;
drop trigger orders_row_counts_update on orders;
drop trigger orders_row_counts_delete on orders;
drop trigger cases_row_counts_insert on cases;
drop trigger cases_row_counts_update on cases;
drop trigger cases_row_counts_delete on cases;
drop function row_counts_track(), row_counts_move(text, jsonb, jsonb), write_slot(text);
drop table row_counts;
