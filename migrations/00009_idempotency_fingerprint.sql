-- Idempotency keys with the fingerprint of the request each stands for (internal/idem). A money-moving request
-- (orderPay, afterSalesCaseApprove, afterSalesCaseReceiveReturn, afterSalesCaseRefundRetry, complaintResolve,
-- arbitrationAppealDecide) claims its key here before it acts: the same key with the same input replays the
-- first answer; the same key with different input (another amount, another order or case, another operation)
-- is refused with IDEMPOTENCY_KEY_REUSED. A key is its caller's within a store: the person (users.id) or
-- partner API token (api_tokens.id) that sent it, so two callers never collide or learn of each other's keys.
-- +goose Up
-- Row-level security is forced on the owner too: the backfill below acts as the system.
select set_config('app.role', 'system', true);

create table idempotency_keys (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  -- the caller who sent the key: a person or an API token (no foreign key: it is one or the other)
  actor_id uuid not null,
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  -- the action (PAY, APPROVE, RECEIVE_RETURN, RETRY_REFUND, RESOLVE_COMPLAINT, DECIDE_APPEAL) and the order or
  -- case it acted on
  operation text not null check (length(operation) between 1 and 50),
  subject_id uuid not null,
  -- SHA-256 of the canonical encoding of the request's meaningful input. NULL only for keys used before this
  -- migration, whose input is not known: those match a request of the same operation on the same subject.
  fingerprint bytea check (length(fingerprint) = 32),
  created_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, actor_id, idempotency_key)
);
-- Rows are never changed; a claim is deleted only by the request that made it, when that request is refused.
revoke update, truncate on idempotency_keys from tradeguard_app;

alter table idempotency_keys enable row level security;
alter table idempotency_keys force row level security;
-- The platform, the store's staff (and its API tokens), and a buyer for its own keys (orderPay).
create policy idempotency_keys_access on idempotency_keys for all
  using ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and actor_id = (select app.user_id())))
  with check ((select app.is_platform())
    or ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()))
    or ((select app.role()) = 'buyer' and actor_id = (select app.user_id())));

-- Keys already used: charges (the buyer's orderPay) and keyed case events (a person's; an API token's events
-- name no actor and are left out), without a fingerprint. Where one caller used one key on several orders or
-- cases, the first use keeps it.
insert into idempotency_keys (tenant_id, id, actor_id, idempotency_key, operation, subject_id, fingerprint, created_at)
select distinct on (tenant_id, actor_id, idempotency_key)
  tenant_id, gen_random_uuid(), actor_id, idempotency_key, operation, subject_id, null::bytea, created_at
from (
  select tenant_id, buyer_id as actor_id, idempotency_key, 'PAY' as operation, order_id as subject_id, created_at
  from payment_transactions where kind = 'CHARGE' and idempotency_key is not null
  union all
  select tenant_id, actor_id, idempotency_key, action, case_id, at
  from case_events where idempotency_key is not null and actor_id is not null
) used
order by tenant_id, actor_id, idempotency_key, created_at;

-- +goose Down
drop table idempotency_keys;
