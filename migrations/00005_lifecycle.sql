-- Store and account lifecycle: what a store's owner may change itself, under row-level security.
-- +goose Up

-- A store's owner asks to close its store and may withdraw while it is closing: the owner (a staff row with
-- staff_role OWNER for the signed-in user) may move its own store between ACTIVE and CLOSING, nothing else.
-- CLOSED and SUSPENDED are the platform's to set and lift (stores_write).
create policy stores_owner_close on stores for update
  using (
    (select app.role()) = 'merchant'
    and id = (select app.tenant_id())
    and status in ('ACTIVE', 'CLOSING')
    and exists (select 1 from store_staff o
                where o.tenant_id = (select app.tenant_id()) and o.user_id = (select app.user_id()) and o.staff_role = 'OWNER'))
  with check (
    (select app.role()) = 'merchant'
    and id = (select app.tenant_id())
    and status in ('ACTIVE', 'CLOSING')
    and exists (select 1 from store_staff o
                where o.tenant_id = (select app.tenant_id()) and o.user_id = (select app.user_id()) and o.staff_role = 'OWNER'));

-- Removing a staff member signs it out everywhere: the store's owner may see and revoke the refresh tokens of
-- the accounts that work for its store (while they still do: the staff row goes after the tokens).
create policy refresh_tokens_store_owner_read on refresh_tokens for select
  using (
    (select app.role()) = 'merchant'
    and exists (select 1 from store_staff o
                where o.tenant_id = (select app.tenant_id()) and o.user_id = (select app.user_id()) and o.staff_role = 'OWNER')
    and exists (select 1 from store_staff s
                where s.tenant_id = (select app.tenant_id()) and s.user_id = refresh_tokens.user_id));
create policy refresh_tokens_store_owner_revoke on refresh_tokens for update
  using (
    (select app.role()) = 'merchant'
    and exists (select 1 from store_staff o
                where o.tenant_id = (select app.tenant_id()) and o.user_id = (select app.user_id()) and o.staff_role = 'OWNER')
    and exists (select 1 from store_staff s
                where s.tenant_id = (select app.tenant_id()) and s.user_id = refresh_tokens.user_id))
  with check (
    (select app.role()) = 'merchant'
    and revoked_at is not null
    and exists (select 1 from store_staff o
                where o.tenant_id = (select app.tenant_id()) and o.user_id = (select app.user_id()) and o.staff_role = 'OWNER')
    and exists (select 1 from store_staff s
                where s.tenant_id = (select app.tenant_id()) and s.user_id = refresh_tokens.user_id));

-- Nobody changes an account's role through the app role, and a person may only touch the columns the flows
-- need (row-level security already limits them to their own row).
revoke update on users from tradeguard_app;
grant update (email, password_hash, display_name, status, deletes_at, anonymized_at) on users to tradeguard_app;

-- +goose Down
grant update on users to tradeguard_app;
drop policy refresh_tokens_store_owner_revoke on refresh_tokens;
drop policy refresh_tokens_store_owner_read on refresh_tokens;
drop policy stores_owner_close on stores;
