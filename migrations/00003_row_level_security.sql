-- Row-level security is the guarantee under the application's own tenant filters. Every table has it ENABLED
-- and FORCED (so even the owner role obeys it), and every policy fails closed: with no request context,
-- app.role() is NULL and no row is visible or writable.
-- +goose Up

alter table categories enable row level security;
alter table categories force row level security;
alter table stores enable row level security;
alter table stores force row level security;
alter table users enable row level security;
alter table users force row level security;
alter table store_staff enable row level security;
alter table store_staff force row level security;
alter table products enable row level security;
alter table products force row level security;
alter table orders enable row level security;
alter table orders force row level security;
alter table order_items enable row level security;
alter table order_items force row level security;
alter table refresh_tokens enable row level security;
alter table refresh_tokens force row level security;
alter table api_tokens enable row level security;
alter table api_tokens force row level security;

-- Reference data: readable in any context, written by the platform.
create policy categories_read on categories for select using ((select app.role()) is not null);
create policy categories_write on categories for all using ((select app.is_platform())) with check ((select app.is_platform()));

-- Store profiles are public; only the platform changes them (owners will, through narrower policies later).
create policy stores_read on stores for select using ((select app.role()) is not null);
create policy stores_write on stores for all using ((select app.is_platform())) with check ((select app.is_platform()));

create policy users_read on users for select using (
  (select app.is_platform())
  or id = (select app.user_id())
  or ((select app.role()) = 'login' and lower(email) = (select app.login_email()))
  -- A store's staff see their colleagues; buyers appear to them only through the name copied onto orders.
  or ((select app.role()) = 'merchant'
      and exists (select 1 from store_staff s where s.tenant_id = (select app.tenant_id()) and s.user_id = users.id))
);
create policy users_write on users for all
  using ((select app.is_platform()) or id = (select app.user_id()))
  with check ((select app.is_platform()) or id = (select app.user_id()));

-- No branch here may read users: users' policy reads store_staff, and a cycle is refused by PostgreSQL.
-- The login step reads its own staff row through app.user_id() once the password has been checked.
create policy store_staff_read on store_staff for select using (
  (select app.is_platform())
  or user_id = (select app.user_id())
  or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
);
create policy store_staff_write on store_staff for all
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())))
  with check ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));

-- The catalogue is public (active products); a store's staff also see its archived ones.
create policy products_read on products for select using (
  (select app.is_platform())
  or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
  or ((select app.role()) is not null and status = 'ACTIVE')
);
create policy products_write on products for all
  using ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())))
  with check ((select app.is_platform()) or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id())));

create policy orders_access on orders for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));

create policy order_items_access on order_items for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and buyer_id = (select app.user_id())));

-- Rotation sees one family; a signed-in user sees (and may revoke) its own sessions.
create policy refresh_tokens_access on refresh_tokens for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'refresh' and family_id = (select app.refresh_family()))
    or user_id = (select app.user_id()))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'refresh' and family_id = (select app.refresh_family()))
    or user_id = (select app.user_id()));

-- Authenticating a partner token sees exactly that token; the store's staff manage their store's tokens.
create policy api_tokens_access on api_tokens for all
  using (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'token_auth' and tenant_id = (select app.tenant_id()) and token_hash = (select app.api_token_hash())))
  with check (
    (select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'token_auth' and tenant_id = (select app.tenant_id()) and token_hash = (select app.api_token_hash())));

-- +goose Down
drop policy api_tokens_access on api_tokens;
drop policy refresh_tokens_access on refresh_tokens;
drop policy order_items_access on order_items;
drop policy orders_access on orders;
drop policy products_write on products;
drop policy products_read on products;
drop policy store_staff_write on store_staff;
drop policy store_staff_read on store_staff;
drop policy users_write on users;
drop policy users_read on users;
drop policy stores_write on stores;
drop policy stores_read on stores;
drop policy categories_write on categories;
drop policy categories_read on categories;
