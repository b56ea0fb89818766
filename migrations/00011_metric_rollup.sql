-- Daily rollup of the merchant metrics, so a store's metrics cost the same at 1,000 and at 1,000,000 orders,
-- exact as of any instant (issue #10's speed target).
--
-- Every count a metric needs is a sum, over the orders (or ratings) of the window, of a step function of the
-- as-of instant t: an order enters the denominator when it is paid, the late-shipment denominator once its
-- ship-by has passed, a metric's numerator while one of its signals is in force and its buyer is not
-- flagged. metric_steps keeps, per source (an order, an order in one signal metric, a rating), the current
-- decomposition of its functions into steps: (col, day, at, delta) means "from instant at on, col of day
-- (the local day the order was paid, or the rating given) changes by delta". A count at t is the sum of the
-- deltas with at <= t over the window's days. metric_daily sums the steps by (col, day, local day of at), so a
-- window reads at most days × days rows per col from it for the whole days before t's, plus t's own day
-- from metric_steps (one day of steps).
--
-- Statement-level triggers keep both in the same transaction as the fact (live, no batch): a source's steps
-- are recomputed from its rows, the old ones taken out of the daily sums and the new ones added. A bulk
-- loader may set app.metric_rollup = 'deferred' and call metric_rollup_rebuild() once at the end.
-- Days are in the store's time zone as it was when the step was written; the application never changes a
-- store's time zone (a change would need metric_rollup_rebuild()).
-- +goose Up
select set_config('app.role', 'system', true);

-- Derived data: no foreign keys (each step would check one), and only the functions below write it.
create table metric_steps (
  tenant_id uuid not null,
  source_id uuid not null,
  kind text not null,
  col text not null,
  day date not null,
  at timestamptz not null,
  delta bigint not null
);
create index metric_steps_source on metric_steps (tenant_id, source_id, kind);
create index metric_steps_at on metric_steps (tenant_id, at) include (col, day, delta);

create table metric_daily (
  tenant_id uuid not null,
  col text not null,
  day date not null,
  at_day date not null,
  total bigint not null,
  primary key (tenant_id, col, day, at_day)
);

alter table metric_steps enable row level security;
alter table metric_steps force row level security;
alter table metric_daily enable row level security;
alter table metric_daily force row level security;
create policy metric_steps_read on metric_steps for select
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));
create policy metric_daily_read on metric_daily for select
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));
-- the maintenance functions below run as this migration's role
create policy metric_steps_definer on metric_steps for all to current_user using (true) with check (true);
create policy metric_daily_definer on metric_daily for all to current_user using (true) with check (true);
revoke insert, update, delete, truncate on metric_steps, metric_daily from tradeguard_app;

-- The instants a buyer's abuse flags start and end: where the dissatisfaction of the buyer's orders may step.
create function app.buyer_flag_changes(buyer uuid) returns setof timestamptz
  language sql stable security definer set search_path = public, pg_temp as $$
  select flagged_at from buyer_abuse_flags where buyer_id = buyer
  union select cleared_at from buyer_abuse_flags where buyer_id = buyer and cleared_at is not null $$;

-- An order's steps (kind 'order'): paid; the late-shipment denominator and numerator from its ship-by on (the
-- first microsecond after it: late means ship_by < t), for the orders metrics.countsSQL's rules count there;
-- a merchant cancellation from when it happened. None before the order was paid.
create function metric_order_steps(ts uuid[], ids uuid[])
returns table (tenant_id uuid, source_id uuid, kind text, col text, day date, at timestamptz, delta bigint)
language sql stable as $$
  select o.tenant_id, o.id, 'order', x.col, (o.paid_at at time zone st.time_zone)::date, x.at, 1::bigint
  from unnest(ts, ids) k(tenant_id, id)
  join orders o on o.tenant_id = k.tenant_id and o.id = k.id
  join stores st on st.id = o.tenant_id
  cross join lateral (
    select o.ship_by is not null and not (o.shipped_at is null and coalesce(o.cancelled_at < o.ship_by, false)) due,
      greatest(o.paid_at, o.ship_by + interval '1 microsecond') due_at) d
  cross join lateral (values
    ('paid', o.paid_at),
    ('late_den', case when d.due then d.due_at end),
    ('late_num', case when d.due and (o.shipped_at is null or o.shipped_at > o.ship_by) then d.due_at end),
    ('cancel_num', case when o.counts_as_merchant_cancellation and o.cancelled_at is not null
      then greatest(o.paid_at, o.cancelled_at) end)) x(col, at)
  where o.paid_at is not null and x.at is not null $$;

-- Whether an order counts in a signal metric at instant x: paid by then, one of its signals of that metric in
-- force, and (for dissatisfaction) its buyer not flagged — the same predicate as metrics.countsSQL.
create function metric_signal_on(t uuid, o uuid, m text, buyer uuid, paid timestamptz, x timestamptz) returns boolean
language sql stable as $$
  select paid <= x
    and exists (select 1 from metric_signals s where s.tenant_id = t and s.order_id = o and s.metric = m
      and s.effective_at <= x and (s.revoked_at is null or s.revoked_at > x))
    and not (m = 'dissatisfactionRate' and app.buyer_flagged(buyer, x)) $$;

-- An order's steps in one signal metric (kind = the metric, col = the metric's numerator): at every instant
-- where the predicate may change (a signal's start or end, the payment, a flag's start or end), a step of +1
-- or -1 where its value differs from the microsecond before. Timestamps have microsecond resolution, so the
-- value between two such instants is the value at the first.
create function metric_signal_steps(ts uuid[], ids uuid[], ms text[])
returns table (tenant_id uuid, source_id uuid, kind text, col text, day date, at timestamptz, delta bigint)
language sql stable as $$
  with k as (select distinct * from unnest(ts, ids, ms) k(tenant_id, order_id, metric)),
  sig as (select s.tenant_id, s.order_id, s.metric, s.buyer_id, s.paid_at, s.effective_at, s.revoked_at
    from k join metric_signals s on s.tenant_id = k.tenant_id and s.order_id = k.order_id and s.metric = k.metric),
  keys as (select distinct tenant_id, order_id, metric, buyer_id, paid_at from sig),
  b as (select distinct x.* from (
      select tenant_id, order_id, metric, buyer_id, paid_at, effective_at at from sig
      union all select tenant_id, order_id, metric, buyer_id, paid_at, revoked_at from sig where revoked_at is not null
      union all select tenant_id, order_id, metric, buyer_id, paid_at, paid_at from keys
      union all select k.tenant_id, k.order_id, k.metric, k.buyer_id, k.paid_at, f.at from keys k
        cross join lateral app.buyer_flag_changes(k.buyer_id) f(at) where k.metric = 'dissatisfactionRate') x),
  v as (select b.*, metric_signal_on(b.tenant_id, b.order_id, b.metric, b.buyer_id, b.paid_at, b.at) now_on,
      metric_signal_on(b.tenant_id, b.order_id, b.metric, b.buyer_id, b.paid_at, b.at - interval '1 microsecond') before_on
    from b)
  select v.tenant_id, v.order_id, v.metric, v.metric, (v.paid_at at time zone st.time_zone)::date, v.at,
    case when v.now_on then 1::bigint else -1::bigint end
  from v join stores st on st.id = v.tenant_id
  where v.now_on <> v.before_on $$;

-- A rating's steps (kind 'rating', day = the local day it was given): counted, negative, and the four star
-- sums as given, then changed by a revision from when it was made — as metrics' rating averages read it.
create function metric_rating_steps(ts uuid[], ids uuid[])
returns table (tenant_id uuid, source_id uuid, kind text, col text, day date, at timestamptz, delta bigint)
language sql stable as $$
  select r.tenant_id, r.id, 'rating', x.col, (r.created_at at time zone st.time_zone)::date, x.at, x.delta
  from unnest(ts, ids) k(tenant_id, id)
  join ratings r on r.tenant_id = k.tenant_id and r.id = k.id
  join stores st on st.id = r.tenant_id
  cross join lateral (select greatest(r.created_at, r.revised_at) rev) rv
  cross join lateral (values
    ('rating_count', r.created_at, 1),
    ('rating_negative', r.created_at, (r.initial_overall <= 2)::int),
    ('rating_overall', r.created_at, r.initial_overall::int),
    ('rating_description', r.created_at, r.initial_description_match::int),
    ('rating_service', r.created_at, r.initial_service_attitude::int),
    ('rating_logistics', r.created_at, r.initial_logistics_speed::int),
    ('rating_negative', rv.rev, (r.overall <= 2)::int - (r.initial_overall <= 2)::int),
    ('rating_overall', rv.rev, r.overall - r.initial_overall),
    ('rating_description', rv.rev, r.description_match - r.initial_description_match),
    ('rating_service', rv.rev, r.service_attitude - r.initial_service_attitude),
    ('rating_logistics', rv.rev, r.logistics_speed - r.initial_logistics_speed)) x(col, at, delta)
  where x.at is not null and x.delta <> 0 $$;

-- Recomputes the steps of the sources (tenant, source id, kind: 'order', 'rating' or a signal metric) and moves
-- the daily sums by the difference, in one statement (rows locked in key order, so two writers never wait on
-- each other in a cycle).
-- +goose StatementBegin
create function metric_steps_refresh(ts uuid[], ids uuid[], kinds text[]) returns void
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

-- Every source from scratch: after a bulk load with app.metric_rollup = 'deferred', and for this migration.
create function metric_rollup_rebuild() returns void
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  ts uuid[]; ids uuid[]; kinds text[];
begin
  delete from metric_steps;
  delete from metric_daily;
  select array_agg(t), array_agg(i), array_agg(k) into ts, ids, kinds from (
    select tenant_id t, id i, 'order' k from orders where paid_at is not null
    union all select distinct tenant_id, order_id, metric from metric_signals
    union all select tenant_id, id, 'rating' from ratings) s;
  perform set_config('app.metric_rollup', 'immediate', true);
  perform metric_steps_refresh(ts, ids, kinds);
end $$;

-- The triggers: each statement refreshes the sources whose rows it changed in a way the steps depend on.
create function metric_rollup_orders() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform metric_steps_refresh(array_agg(n.tenant_id), array_agg(n.id), array_agg('order'::text))
      from new_rows n where n.paid_at is not null;
  else
    perform metric_steps_refresh(array_agg(n.tenant_id), array_agg(n.id), array_agg('order'::text))
      from new_rows n join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id
      where (n.paid_at, n.ship_by, n.shipped_at, n.cancelled_at, n.counts_as_merchant_cancellation)
        is distinct from (o.paid_at, o.ship_by, o.shipped_at, o.cancelled_at, o.counts_as_merchant_cancellation);
  end if;
  return null;
end $$;

create function metric_rollup_signals() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform metric_steps_refresh(array_agg(n.tenant_id), array_agg(n.order_id), array_agg(n.metric)) from new_rows n;
  else
    perform metric_steps_refresh(array_agg(n.tenant_id), array_agg(n.order_id), array_agg(n.metric))
      from new_rows n join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id
      where (n.effective_at, n.revoked_at, n.paid_at) is distinct from (o.effective_at, o.revoked_at, o.paid_at);
  end if;
  return null;
end $$;

create function metric_rollup_ratings() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform metric_steps_refresh(array_agg(n.tenant_id), array_agg(n.id), array_agg('rating'::text)) from new_rows n;
  else
    perform metric_steps_refresh(array_agg(n.tenant_id), array_agg(n.id), array_agg('rating'::text))
      from new_rows n join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id
      where (n.overall, n.description_match, n.service_attitude, n.logistics_speed, n.revised_at, n.created_at)
        is distinct from (o.overall, o.description_match, o.service_attitude, o.logistics_speed, o.revised_at, o.created_at);
  end if;
  return null;
end $$;

-- A flag set or cleared moves the dissatisfaction of the buyer's orders in every store.
create function metric_rollup_flags() returns trigger language plpgsql as $$
begin
  perform metric_steps_refresh(array_agg(s.tenant_id), array_agg(s.order_id), array_agg(s.metric))
    from (select distinct s.tenant_id, s.order_id, s.metric from metric_signals s
      where s.metric = 'dissatisfactionRate' and s.buyer_id in (select buyer_id from new_rows)) s;
  return null;
end $$;
-- +goose StatementEnd

create trigger orders_metric_rollup_insert after insert on orders referencing new table as new_rows
  for each statement execute function metric_rollup_orders();
create trigger orders_metric_rollup_update after update on orders referencing old table as old_rows new table as new_rows
  for each statement execute function metric_rollup_orders();
create trigger metric_signals_rollup_insert after insert on metric_signals referencing new table as new_rows
  for each statement execute function metric_rollup_signals();
create trigger metric_signals_rollup_update after update on metric_signals referencing old table as old_rows new table as new_rows
  for each statement execute function metric_rollup_signals();
create trigger ratings_metric_rollup_insert after insert on ratings referencing new table as new_rows
  for each statement execute function metric_rollup_ratings();
create trigger ratings_metric_rollup_update after update on ratings referencing old table as old_rows new table as new_rows
  for each statement execute function metric_rollup_ratings();
create trigger buyer_abuse_flags_rollup_insert after insert on buyer_abuse_flags referencing new table as new_rows
  for each statement execute function metric_rollup_flags();
create trigger buyer_abuse_flags_rollup_update after update on buyer_abuse_flags referencing old table as old_rows new table as new_rows
  for each statement execute function metric_rollup_flags();

select metric_rollup_rebuild();

-- +goose Down
select set_config('app.role', 'system', true);
drop trigger orders_metric_rollup_insert on orders;
drop trigger orders_metric_rollup_update on orders;
drop trigger metric_signals_rollup_insert on metric_signals;
drop trigger metric_signals_rollup_update on metric_signals;
drop trigger ratings_metric_rollup_insert on ratings;
drop trigger ratings_metric_rollup_update on ratings;
drop trigger buyer_abuse_flags_rollup_insert on buyer_abuse_flags;
drop trigger buyer_abuse_flags_rollup_update on buyer_abuse_flags;
drop function metric_rollup_orders(), metric_rollup_signals(), metric_rollup_ratings(), metric_rollup_flags(),
  metric_rollup_rebuild(), metric_steps_refresh(uuid[], uuid[], text[]), metric_rating_steps(uuid[], uuid[]),
  metric_signal_steps(uuid[], uuid[], text[]), metric_signal_on(uuid, uuid, text, uuid, timestamptz, timestamptz),
  metric_order_steps(uuid[], uuid[]), app.buyer_flag_changes(uuid);
drop table metric_daily, metric_steps;
