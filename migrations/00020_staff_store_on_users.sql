-- Citus readiness (issue #14): "a merchant account works for one store" was a unique index on
-- store_staff (user_id), a rule across stores that a distributed store_staff cannot check. The account's
-- store is now a column of users (a reference table), set when the account is made and never changed by the
-- app role; store_staff's key stays (tenant_id, user_id) and its foreign key (user_id, tenant_id) to
-- users (id, staff_store_id) makes a staff row agree with it. Login reads the store from users and then the
-- one staff row by (tenant_id, user_id), a single-shard lookup.
-- +goose Up
select set_config('app.role', 'system', true);
alter table users add column staff_store_id uuid references stores (id);
update users u set staff_store_id = s.tenant_id from store_staff s where s.user_id = u.id;
alter table users add constraint users_staff_store_only_merchants check (staff_store_id is null or role = 'MERCHANT');
create unique index users_id_staff_store on users (id, staff_store_id);
alter table store_staff add constraint store_staff_account_store
  foreign key (user_id, tenant_id) references users (id, staff_store_id);
drop index store_staff_user_key;

-- +goose Down
select set_config('app.role', 'system', true);
create unique index store_staff_user_key on store_staff (user_id);
alter table store_staff drop constraint store_staff_account_store;
drop index users_id_staff_store;
alter table users drop constraint users_staff_store_only_merchants;
alter table users drop column staff_store_id;
