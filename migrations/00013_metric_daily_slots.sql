-- Today's cells of metric_daily are shared by every payment, cancellation and rating of a store that day:
-- under load each writer queued on the one row (a write benchmark at 16 connections saw hundreds of lock
-- waits over 10 ms). As for row_counts (00012), each cell is split into 32 slots and a writing transaction
-- takes one no other holds (write_slot), so concurrent writers add to different rows; readers already sum
-- every cell of a (col, day, at_day), so they read at most 32 rows where they read one.
-- +goose Up
select set_config('app.role', 'system', true);
alter table metric_daily add column slot smallint not null default 0;
alter table metric_daily drop constraint metric_daily_pkey;
alter table metric_daily add primary key (tenant_id, col, day, at_day, slot);

-- metric_steps_refresh of 00011, writing in a slot of its own.
-- +goose StatementBegin
create or replace function metric_steps_refresh(ts uuid[], ids uuid[], kinds text[]) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  o_ts uuid[]; o_ids uuid[]; r_ts uuid[]; r_ids uuid[]; s_ts uuid[]; s_ids uuid[]; s_ms text[]; my_slot smallint;
begin
  if coalesce(current_setting('app.metric_rollup', true), '') = 'deferred' or coalesce(array_length(ts, 1), 0) = 0 then
    return;
  end if;
  my_slot := write_slot('metric_daily');
  select array_agg(t) filter (where k = 'order'), array_agg(i) filter (where k = 'order'),
      array_agg(t) filter (where k = 'rating'), array_agg(i) filter (where k = 'rating'),
      array_agg(t) filter (where k not in ('order', 'rating')), array_agg(i) filter (where k not in ('order', 'rating')),
      array_agg(k) filter (where k not in ('order', 'rating'))
    into o_ts, o_ids, r_ts, r_ids, s_ts, s_ids, s_ms
    from (select distinct * from unnest(ts, ids, kinds) u(t, i, k)) u;
  with k as (select distinct * from unnest(ts, ids, kinds) k(tenant_id, source_id, kind)),
  fresh as (
    select * from metric_order_steps(o_ts, o_ids)
    union all select * from metric_signal_steps(s_ts, s_ids, s_ms)
    union all select * from metric_rating_steps(r_ts, r_ids)),
  old as (delete from metric_steps s using k
    where s.tenant_id = k.tenant_id and s.source_id = k.source_id and s.kind = k.kind
    returning s.tenant_id, s.col, s.day, s.at, -s.delta delta),
  ins as (insert into metric_steps select * from fresh returning tenant_id, col, day, at, delta),
  d as (select c.tenant_id, c.col, c.day, (c.at at time zone st.time_zone)::date at_day, sum(c.delta)::bigint n
    from (select * from old union all select * from ins) c join stores st on st.id = c.tenant_id
    group by 1, 2, 3, 4 having sum(c.delta) <> 0)
  insert into metric_daily (tenant_id, col, day, at_day, slot, total)
    select d.tenant_id, d.col, d.day, d.at_day, my_slot, d.n from d order by 1, 2, 3, 4
    on conflict (tenant_id, col, day, at_day, slot) do update set total = metric_daily.total + excluded.total;
end $$;
-- +goose StatementEnd

-- +goose Down
select set_config('app.role', 'system', true);
-- +goose StatementBegin
create or replace function metric_steps_refresh(ts uuid[], ids uuid[], kinds text[]) returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  o_ts uuid[]; o_ids uuid[]; r_ts uuid[]; r_ids uuid[]; s_ts uuid[]; s_ids uuid[]; s_ms text[];
begin
  if coalesce(current_setting('app.metric_rollup', true), '') = 'deferred' or coalesce(array_length(ts, 1), 0) = 0 then
    return;
  end if;
  select array_agg(t) filter (where k = 'order'), array_agg(i) filter (where k = 'order'),
      array_agg(t) filter (where k = 'rating'), array_agg(i) filter (where k = 'rating'),
      array_agg(t) filter (where k not in ('order', 'rating')), array_agg(i) filter (where k not in ('order', 'rating')),
      array_agg(k) filter (where k not in ('order', 'rating'))
    into o_ts, o_ids, r_ts, r_ids, s_ts, s_ids, s_ms
    from (select distinct * from unnest(ts, ids, kinds) u(t, i, k)) u;
  with k as (select distinct * from unnest(ts, ids, kinds) k(tenant_id, source_id, kind)),
  fresh as (
    select * from metric_order_steps(o_ts, o_ids)
    union all select * from metric_signal_steps(s_ts, s_ids, s_ms)
    union all select * from metric_rating_steps(r_ts, r_ids)),
  old as (delete from metric_steps s using k
    where s.tenant_id = k.tenant_id and s.source_id = k.source_id and s.kind = k.kind
    returning s.tenant_id, s.col, s.day, s.at, -s.delta delta),
  ins as (insert into metric_steps select * from fresh returning tenant_id, col, day, at, delta),
  d as (select c.tenant_id, c.col, c.day, (c.at at time zone st.time_zone)::date at_day, sum(c.delta)::bigint n
    from (select * from old union all select * from ins) c join stores st on st.id = c.tenant_id
    group by 1, 2, 3, 4 having sum(c.delta) <> 0)
  insert into metric_daily (tenant_id, col, day, at_day, total)
    select * from d order by 1, 2, 3, 4
    on conflict (tenant_id, col, day, at_day) do update set total = metric_daily.total + excluded.total;
end $$;
-- +goose StatementEnd
create temporary table metric_daily_merged as
  select tenant_id, col, day, at_day, sum(total)::bigint total from metric_daily group by 1, 2, 3, 4;
delete from metric_daily;
alter table metric_daily drop constraint metric_daily_pkey;
alter table metric_daily drop column slot;
alter table metric_daily add primary key (tenant_id, col, day, at_day);
insert into metric_daily select * from metric_daily_merged;
drop table metric_daily_merged;
