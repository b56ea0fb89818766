-- The server never connects as the owner of the schema: it uses tradeguard_app, which owns nothing and
-- cannot bypass row-level security. Roles are cluster-wide, so several databases (tests) may race to create it.
-- +goose Up
-- +goose StatementBegin
do $$
begin
  create role tradeguard_app login nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
exception when duplicate_object or unique_violation then null;
end $$;
-- +goose StatementEnd

create schema app;
grant usage on schema app to tradeguard_app;
grant usage on schema public to tradeguard_app;
alter default privileges in schema public grant select, insert, update, delete on tables to tradeguard_app;

-- Request context. The server sets these with one set_config(...) statement per transaction (is_local = true).
-- Policies call them wrapped as (select app.x()) so the planner evaluates each once per query (an InitPlan),
-- not once per row. An unset or empty setting reads as NULL, and every policy treats NULL as "no rows".
create function app.setting(name text) returns text
  language sql stable parallel safe as $$ select nullif(current_setting(name, true), '') $$;

-- anonymous | buyer | merchant | admin | system, or a narrow authentication purpose: login | refresh | token_auth
create function app.role() returns text
  language sql stable parallel safe as $$ select app.setting('app.role') $$;
create function app.user_id() returns uuid
  language sql stable parallel safe as $$ select app.setting('app.user_id')::uuid $$;
create function app.tenant_id() returns uuid
  language sql stable parallel safe as $$ select app.setting('app.tenant_id')::uuid $$;
create function app.is_platform() returns boolean
  language sql stable parallel safe as $$ select coalesce(app.role() in ('admin', 'system'), false) $$;
-- The login step may see exactly one account: the one whose e-mail it was given.
create function app.login_email() returns text
  language sql stable parallel safe as $$ select lower(app.setting('app.login_email')) $$;
-- Refresh-token rotation may see exactly one token family.
create function app.refresh_family() returns uuid
  language sql stable parallel safe as $$ select app.setting('app.refresh_family')::uuid $$;
-- Partner-token authentication may see exactly one token row (by its SHA-256, hex).
create function app.api_token_hash() returns text
  language sql stable parallel safe as $$ select app.setting('app.api_token_hash') $$;

-- +goose Down
drop schema app cascade;
