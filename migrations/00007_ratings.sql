-- Buyer ratings (DESIGN §3.3): once per delivered order, overall stars plus three dimensions and a comment; one
-- revision by the buyer within 30 days; one reply by the store. Ratings are public (shown on a store's page), so
-- any caller with a request context may read them; the API never shows a buyer's id to anyone but that buyer and
-- the platform. The first version's stars and comment are kept, so the store's averages and negative ratings can
-- be computed as of any past date (a revision counts from the moment it was made).
-- +goose Up
create table ratings (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  order_id uuid not null,
  buyer_id uuid not null,
  overall smallint not null check (overall between 1 and 5),
  description_match smallint not null check (description_match between 1 and 5),
  service_attitude smallint not null check (service_attitude between 1 and 5),
  logistics_speed smallint not null check (logistics_speed between 1 and 5),
  -- stored exactly as given (the portal escapes it when it renders it)
  comment text not null default '' check (char_length(comment) <= 1000),
  -- 1–2 stars overall is a negative rating (it counts in the dissatisfaction and order defect rates)
  negative boolean generated always as (overall <= 2) stored,
  -- the rating as first given; the app role cannot change these (see the grants below)
  initial_overall smallint not null check (initial_overall between 1 and 5),
  initial_description_match smallint not null check (initial_description_match between 1 and 5),
  initial_service_attitude smallint not null check (initial_service_attitude between 1 and 5),
  initial_logistics_speed smallint not null check (initial_logistics_speed between 1 and 5),
  initial_comment text not null default '' check (char_length(initial_comment) <= 1000),
  created_at timestamptz not null,
  -- the buyer's one revision
  revised_at timestamptz,
  -- the store's one reply: by a staff member (replied_by) or a partner system (replied_by_token)
  reply text check (char_length(reply) between 1 and 1000),
  replied_at timestamptz,
  replied_by uuid references users (id),
  replied_by_token uuid,
  primary key (tenant_id, id),
  -- once per order
  unique (tenant_id, order_id),
  -- the rating's buyer is the order's buyer
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id),
  foreign key (tenant_id, replied_by_token) references api_tokens (tenant_id, id),
  check (revised_at >= created_at),
  check (replied_at >= created_at),
  check ((reply is null and replied_at is null and replied_by is null and replied_by_token is null)
      or (reply is not null and replied_at is not null and num_nonnulls(replied_by, replied_by_token) = 1))
);
-- a store's ratings, newest first; the same for its 180-day averages (a range on created_at)
create index ratings_tenant_created on ratings (tenant_id, created_at desc, id desc);
create index ratings_tenant_negative on ratings (tenant_id, negative, created_at desc, id desc);
create index ratings_tenant_overall on ratings (tenant_id, overall, created_at desc, id desc);
-- the store's queue of ratings still waiting for a reply
create index ratings_tenant_unanswered on ratings (tenant_id, created_at desc, id desc) where replied_at is null;
-- A buyer's ratings span stores, so this one index cannot lead with tenant_id.
create index ratings_buyer_created on ratings (buyer_id, created_at desc, id desc);

alter table ratings enable row level security;
alter table ratings force row level security;

-- Public: a store's ratings are shown to anyone, signed in or not (not without a request context).
create policy ratings_read on ratings for select using ((select app.role()) is not null);
-- The buyer gives and revises its own ratings.
create policy ratings_buyer on ratings for all
  using ((select app.role()) = 'buyer' and buyer_id = (select app.user_id()))
  with check ((select app.role()) = 'buyer' and buyer_id = (select app.user_id()));
-- The store's staff (and partner tokens) reply to their own store's ratings; they never insert or delete.
create policy ratings_merchant_reply on ratings for update
  using ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
  with check ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()));
create policy ratings_platform on ratings for all
  using ((select app.is_platform())) with check ((select app.is_platform()));

-- Ratings are never deleted by the app, and only the columns a revision or a reply changes can be updated:
-- who, which order, when and the first version are fixed once written.
revoke update, delete, truncate on ratings from tradeguard_app;
grant update (overall, description_match, service_attitude, logistics_speed, comment, revised_at,
  reply, replied_at, replied_by, replied_by_token) on ratings to tradeguard_app;

-- Column grants are per database role, and buyers and merchants share the app role, so this trigger splits
-- them: a buyer changes only its stars and comment, once (setting revised_at); a store only its reply, once.
-- The platform (admin, system) is not limited here.
-- +goose StatementBegin
create function ratings_guard() returns trigger language plpgsql as $$
begin
  if app.is_platform() then
    return new;
  end if;
  if app.role() = 'buyer' then
    if (new.reply, new.replied_at, new.replied_by, new.replied_by_token)
        is distinct from (old.reply, old.replied_at, old.replied_by, old.replied_by_token) then
      raise exception 'ratings: only the store replies to a rating' using errcode = 'insufficient_privilege';
    end if;
    if old.revised_at is not null or new.revised_at is null then
      raise exception 'ratings: a rating is revised once, setting revised_at' using errcode = 'check_violation';
    end if;
    return new;
  end if;
  if app.role() = 'merchant' then
    if (new.overall, new.description_match, new.service_attitude, new.logistics_speed, new.comment, new.revised_at)
        is distinct from (old.overall, old.description_match, old.service_attitude, old.logistics_speed, old.comment, old.revised_at) then
      raise exception 'ratings: only the buyer changes a rating' using errcode = 'insufficient_privilege';
    end if;
    if old.reply is not null or new.reply is null then
      raise exception 'ratings: a rating is replied to once' using errcode = 'check_violation';
    end if;
    return new;
  end if;
  raise exception 'ratings: % may not change a rating', coalesce(app.role(), 'no context') using errcode = 'insufficient_privilege';
end $$;
-- +goose StatementEnd
create trigger ratings_guard before update on ratings for each row execute function ratings_guard();

-- +goose Down
drop table ratings;
drop function ratings_guard();
