-- Violations and the penalties they bring (DESIGN §3.5). A violation has a code (a reference table: track,
-- default points, who may issue it), points that count on its track from issue until 365 days later, and an
-- appeal an admin upholds or revokes. Thresholds of active points per track become store penalties with a start
-- and an end; the API refuses what a penalty in force blocks.
-- +goose Up
-- Row-level security is forced on the owner too: the seed rows below are written as the system.
select set_config('app.role', 'system', true);

-- Reference table: the catalogue of violation codes.
create table violation_codes (
  code text primary key check (code ~ '^[A-Z][A-Z_]{1,40}$'),
  name text not null check (length(name) between 1 and 100),
  track text not null check (track in ('GENERAL', 'SERIOUS')),
  default_points int not null check (default_points between 1 and 48),
  -- SYSTEM codes are written by jobs from after-sales facts, exactly once per cause; ADMIN codes by an admin
  -- with evidence.
  issued_by text not null check (issued_by in ('SYSTEM', 'ADMIN')),
  description text not null
);
insert into violation_codes (code, name, track, default_points, issued_by, description) values
  ('MISSED_RESPONSE', 'Missed response', 'GENERAL', 1, 'SYSTEM',
   'The store did not answer an after-sales case before its deadline.'),
  ('LATE_RESHIP', 'Late reshipment', 'GENERAL', 2, 'SYSTEM',
   'The store did not reship an exchange or repair in time; the case was converted to a refund.'),
  ('LOST_ARBITRATION_NO_EVIDENCE', 'Lost arbitration without evidence', 'GENERAL', 2, 'SYSTEM',
   'The store rejected a request without giving any evidence and lost the arbitration.'),
  ('FALSE_ADVERTISING', 'False advertising', 'SERIOUS', 6, 'ADMIN',
   'Listings that misdescribe the goods (specifications, origin, condition, certifications).'),
  ('COUNTERFEIT', 'Counterfeit goods', 'SERIOUS', 12, 'ADMIN',
   'Selling counterfeit or infringing goods.'),
  ('FAKE_TRACKING', 'Fake tracking number', 'GENERAL', 4, 'ADMIN',
   'Marking an order shipped with a tracking number that does not belong to the shipment.'),
  ('HARASSING_BUYERS', 'Harassing buyers', 'SERIOUS', 6, 'ADMIN',
   'Threatening, insulting or pressuring buyers (e.g. over ratings or cases).'),
  ('FRAUD', 'Fraud', 'SERIOUS', 24, 'ADMIN',
   'Taking payment without intent to deliver, fake orders, or other deception of buyers or the platform.');

create table violations (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  code text not null references violation_codes (code),
  -- copied from the code at issue, so a later change of the catalogue never rewrites history
  track text not null check (track in ('GENERAL', 'SERIOUS')),
  points int not null check (points between 1 and 48),
  issued_at timestamptz not null,
  -- points count while issued_at <= t < expires_at (hours, not days: exact whatever the session time zone)
  expires_at timestamptz not null,
  issued_by text not null check (issued_by in ('SYSTEM', 'ADMIN')),
  issuer_id uuid references users (id),
  note text not null default '' check (length(note) <= 2000),
  -- links and notes backing an admin's violation (required for ADMIN codes by the application)
  evidence text not null default '' check (length(evidence) <= 4000),
  case_id uuid,
  -- what a system violation was issued for, e.g. "case:<id>:MERCHANT_NO_RESPONSE": written exactly once
  cause text check (length(cause) between 1 and 200),
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'APPEALED', 'REVOKED', 'UPHELD')),
  appeal_reason text check (length(appeal_reason) between 1 and 2000),
  appealed_at timestamptz,
  appealed_by uuid references users (id),
  decided_at timestamptz,
  decided_by uuid references users (id),
  decision_note text check (length(decision_note) between 1 and 2000),
  primary key (tenant_id, id),
  unique (tenant_id, cause),
  foreign key (tenant_id, case_id) references cases (tenant_id, id),
  check (expires_at = issued_at + interval '8760 hours'),
  check ((issued_by = 'SYSTEM') = (cause is not null)),
  check (issued_by = 'SYSTEM' or issuer_id is not null),
  -- only an appeal leaves ACTIVE; only a decision ends an appeal
  check ((status = 'ACTIVE') = (appealed_at is null)),
  check ((status in ('REVOKED', 'UPHELD')) = (decided_at is not null)),
  check (appealed_at is null or (appeal_reason is not null and appealed_at >= issued_at)),
  check (decided_at is null or (decision_note is not null and decided_by is not null and decided_at >= appealed_at))
);
create index violations_tenant_issued on violations (tenant_id, issued_at desc, id desc);
create index violations_tenant_case on violations (tenant_id, case_id) where case_id is not null;
revoke delete, truncate on violations from tradeguard_app;

-- A penalty on a store: in force while starts_at <= t < ends_at (ends_at null: until a platform review) and
-- not lifted. Anyone may read these rows (the public catalogue leaves hidden stores out; a buyer's order is
-- refused by a suspended store), so they hold store ids, the threshold and its points, nothing about buyers.
create table store_penalties (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  kind text not null check (kind in ('NO_NEW_PRODUCTS', 'HIDDEN_FROM_SEARCH', 'SELLING_SUSPENDED', 'STORE_SUSPENDED')),
  track text not null check (track in ('GENERAL', 'SERIOUS')),
  threshold int not null check (threshold in (12, 24, 36, 48)),
  -- the track's active points when it started
  points int not null check (points >= threshold),
  -- a serious-track suspension also opens a review of closing the store
  closure_review boolean not null default false,
  starts_at timestamptz not null,
  ends_at timestamptz,
  lifted_at timestamptz,
  lifted_by uuid references users (id),
  lift_reason text check (length(lift_reason) between 1 and 2000),
  reason text not null check (length(reason) between 1 and 500),
  primary key (tenant_id, id),
  check (ends_at is null or ends_at > starts_at),
  check (lifted_at is null or (lifted_at >= starts_at and lift_reason is not null)),
  check (kind = 'STORE_SUSPENDED' or not closure_review)
);
create index store_penalties_tenant on store_penalties (tenant_id, starts_at desc, id desc);
-- the platform's review queue: penalties that last until an admin lifts them
create index store_penalties_review on store_penalties (starts_at) where ends_at is null and lifted_at is null;
revoke delete, truncate on store_penalties from tradeguard_app;

-- The violations scan reads after-sales facts across stores (like the platform queues of 00006).
create index case_events_violation_reasons on case_events (at)
  where actor = 'SYSTEM' and reason in ('MERCHANT_NO_RESPONSE', 'MERCHANT_LATE_RESHIP');
create index cases_ruled_for_buyer on cases (updated_at) where ruling = 'FOR_BUYER';

-- The violations scan is the platform's own job, not a store's or a person's: its one deadline row (a fixed
-- subject id) has neither tenant_id nor user_id, so only platform contexts see it.
alter table deadlines drop constraint deadlines_check;
alter table deadlines add constraint deadlines_owner_check
  check (tenant_id is not null or user_id is not null or kind = 'violations.scan');

alter table violation_codes enable row level security;
alter table violation_codes force row level security;
alter table violations enable row level security;
alter table violations force row level security;
alter table store_penalties enable row level security;
alter table store_penalties force row level security;

-- Reference data: readable in any context, written by the platform.
create policy violation_codes_read on violation_codes for select using ((select app.role()) is not null);
create policy violation_codes_write on violation_codes for all
  using ((select app.is_platform())) with check ((select app.is_platform()));

-- Violations: the platform everything; a store's staff read their own store's; buyers nothing.
create policy violations_platform on violations for all
  using ((select app.is_platform())) with check ((select app.is_platform()));
create policy violations_store_read on violations for select
  using ((select app.role()) = 'merchant' and tenant_id = (select app.tenant_id()));
-- The store's owner appeals (ACTIVE -> APPEALED, as itself); violations_appeal_only keeps every other column.
create policy violations_owner_appeal on violations for update
  using (
    (select app.role()) = 'merchant'
    and tenant_id = (select app.tenant_id())
    and status = 'ACTIVE'
    and exists (select 1 from store_staff o
                where o.tenant_id = (select app.tenant_id()) and o.user_id = (select app.user_id()) and o.staff_role = 'OWNER'))
  with check (
    (select app.role()) = 'merchant'
    and tenant_id = (select app.tenant_id())
    and status = 'APPEALED'
    and appealed_by = (select app.user_id())
    and exists (select 1 from store_staff o
                where o.tenant_id = (select app.tenant_id()) and o.user_id = (select app.user_id()) and o.staff_role = 'OWNER'));

-- Row-level security cannot compare a row's old and new values: outside the platform, an update may only
-- turn an ACTIVE violation into an APPEALED one with its reason, time and author.
-- +goose StatementBegin
create function violations_appeal_only() returns trigger language plpgsql as $$
begin
  if app.is_platform() then
    return new;
  end if;
  if old.status <> 'ACTIVE' or new.status <> 'APPEALED'
     or (new.tenant_id, new.id, new.code, new.track, new.points, new.issued_at, new.expires_at, new.issued_by,
         new.issuer_id, new.note, new.evidence, new.case_id, new.cause, new.decided_at, new.decided_by, new.decision_note)
        is distinct from
        (old.tenant_id, old.id, old.code, old.track, old.points, old.issued_at, old.expires_at, old.issued_by,
         old.issuer_id, old.note, old.evidence, old.case_id, old.cause, old.decided_at, old.decided_by, old.decision_note)
  then
    raise exception 'a store may only appeal its violation' using errcode = 'insufficient_privilege';
  end if;
  return new;
end $$;
-- +goose StatementEnd
create trigger violations_appeal_only before update on violations
  for each row execute function violations_appeal_only();

-- Penalties: any context reads them; the platform writes them.
create policy store_penalties_read on store_penalties for select using ((select app.role()) is not null);
create policy store_penalties_write on store_penalties for all
  using ((select app.is_platform())) with check ((select app.is_platform()));

-- +goose Down
select set_config('app.role', 'system', true);
delete from deadlines where kind in ('violations.scan', 'violations.recompute');
alter table deadlines drop constraint deadlines_owner_check;
alter table deadlines add constraint deadlines_check check (tenant_id is not null or user_id is not null);
drop index cases_ruled_for_buyer;
drop index case_events_violation_reasons;
drop table store_penalties, violations, violation_codes;
drop function violations_appeal_only();
