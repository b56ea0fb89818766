-- Citus readiness (issue #14): metric_steps had no key. A shard move copies a table by logical replication,
-- which needs a replica identity for the rows it deletes, so each step gets an identity and the store-led
-- primary key every store table has. The rollup functions insert positionally (select * from their CTE): a
-- column added last takes its default there.
-- +goose Up
alter table metric_steps add column id bigint generated always as identity;
alter table metric_steps add primary key (tenant_id, id);

-- +goose Down
alter table metric_steps drop column id;
