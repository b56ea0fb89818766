-- Stores are the tenants. Every store-owned table carries tenant_id, is keyed (tenant_id, id), has foreign keys
-- that include tenant_id and indexes that lead with it, so the schema can be distributed by tenant_id (Citus).
-- +goose Up

-- Reference table: product categories and the after-sales rules that hang on them.
create table categories (
  code text primary key check (code ~ '^[a-z][a-z_]{1,40}$'),
  name text not null,
  default_warranty_days int not null check (default_warranty_days >= 0),
  -- Goods excluded by law from the 7-day no-reason return (custom-made, perishable, opened digital, periodicals, hygiene).
  no_reason_return_excluded boolean not null default false
);
insert into categories (code, name, default_warranty_days, no_reason_return_excluded) values
  ('electronics', 'Electronics', 365, false),
  ('apparel', 'Apparel', 90, false),
  ('food', 'Food', 90, false),
  ('perishable', 'Fresh and perishable food', 0, true),
  ('custom_made', 'Custom-made goods', 90, true),
  ('digital', 'Digital goods, audio-video and software', 0, true),
  ('periodicals', 'Newspapers and periodicals', 0, true),
  ('hygiene', 'Hygiene goods', 0, true);

create table stores (
  id uuid primary key,
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text not null check (length(name) between 1 and 200),
  category text not null references categories (code),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  time_zone text not null default 'Asia/Taipei',
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'CLOSING', 'CLOSED', 'SUSPENDED')),
  created_at timestamptz not null default now(),
  closes_at timestamptz,
  closed_at timestamptz
);

-- Accounts are global: a buyer shops in every store; a merchant account works for one store (store_staff).
create table users (
  id uuid primary key,
  email text not null check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 254),
  password_hash text not null,
  display_name text not null check (length(display_name) between 1 and 100),
  role text not null check (role in ('BUYER', 'MERCHANT', 'ADMIN')),
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED', 'DELETION_PENDING', 'DELETED')),
  created_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table store_staff (
  tenant_id uuid not null references stores (id),
  user_id uuid not null references users (id),
  staff_role text not null check (staff_role in ('OWNER', 'AGENT')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
-- One store per merchant account: the JWT carries that store.
create unique index store_staff_user_key on store_staff (user_id);

create table products (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  sku text not null check (length(sku) between 1 and 64),
  title text not null check (length(title) between 1 and 200),
  category text not null references categories (code),
  price_minor bigint not null check (price_minor >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  warranty_days int not null check (warranty_days >= 0),
  status text not null default 'ACTIVE' check (status in ('ACTIVE', 'ARCHIVED')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, sku)
);
create index products_tenant_created on products (tenant_id, created_at desc, id desc);

create table orders (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  number text not null,
  buyer_id uuid not null references users (id),
  status text not null check (status in ('PENDING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'CANCELLED')),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  subtotal_minor bigint not null check (subtotal_minor >= 0),
  shipping_minor bigint not null default 0 check (shipping_minor >= 0),
  total_minor bigint not null,
  paid_minor bigint not null default 0,
  refunded_minor bigint not null default 0,
  payment_method text check (payment_method in ('CARD', 'WALLET', 'BANK_TRANSFER', 'CASH_ON_DELIVERY')),
  -- Personal data, anonymized on account deletion and after the retention period. The buyer's display name is
  -- copied at order time so a store's staff never need to read the buyers' accounts.
  buyer_name text not null,
  ship_name text not null,
  ship_phone text not null,
  ship_address text not null,
  created_at timestamptz not null,
  paid_at timestamptz,
  ship_by timestamptz,
  shipped_at timestamptz,
  carrier text,
  tracking_number text,
  delivered_at timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz,
  cancelled_by text check (cancelled_by in ('BUYER', 'MERCHANT', 'SYSTEM', 'ADMIN')),
  cancel_reason text,
  version int not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, number),
  -- lets order_items prove its copied buyer_id matches the order's
  unique (tenant_id, id, buyer_id),
  check (total_minor = subtotal_minor + shipping_minor),
  check (paid_minor between 0 and total_minor),
  -- Money never leaves twice: what is refunded on an order never exceeds what was paid.
  check (refunded_minor between 0 and paid_minor)
);
create index orders_tenant_created on orders (tenant_id, created_at desc, id desc);
create index orders_tenant_status on orders (tenant_id, status, created_at desc, id desc);
create index orders_tenant_buyer on orders (tenant_id, buyer_id);
create index orders_tenant_paid on orders (tenant_id, paid_at);
-- A buyer's orders span stores, so this one index cannot lead with tenant_id.
create index orders_buyer_created on orders (buyer_id, created_at desc, id desc);

create table order_items (
  tenant_id uuid not null,
  id uuid not null,
  order_id uuid not null,
  -- copied from the order so the buyer's row-level policy needs no join
  buyer_id uuid not null,
  product_id uuid not null,
  position int not null check (position > 0),
  title text not null,
  quantity int not null check (quantity > 0),
  unit_price_minor bigint not null check (unit_price_minor >= 0),
  -- A gift rides on a paid item of the same order, has no price of its own, and has a declared value
  -- that is deducted from a refund if it is not returned with that item.
  gift_of uuid,
  declared_value_minor bigint not null default 0 check (declared_value_minor >= 0),
  primary key (tenant_id, id),
  unique (tenant_id, order_id, position),
  foreign key (tenant_id, order_id, buyer_id) references orders (tenant_id, id, buyer_id),
  foreign key (tenant_id, product_id) references products (tenant_id, id),
  foreign key (tenant_id, gift_of) references order_items (tenant_id, id),
  check (gift_of is null or unit_price_minor = 0)
);
create index order_items_tenant_order on order_items (tenant_id, order_id, position);

-- Rotating refresh tokens. A token is "<family_id>.<secret>"; only the secret's SHA-256 is stored.
-- Presenting a token that was already used or revoked revokes its whole family.
create table refresh_tokens (
  id uuid primary key,
  family_id uuid not null,
  user_id uuid not null references users (id),
  token_hash text not null unique,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
create index refresh_tokens_family on refresh_tokens (family_id);
create index refresh_tokens_user on refresh_tokens (user_id);

-- Long-lived partner tokens created by a store owner. Only the SHA-256 of the secret is stored.
create table api_tokens (
  tenant_id uuid not null references stores (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 100),
  token_hash text not null,
  scopes text[] not null,
  created_by uuid not null references users (id),
  created_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash)
);

-- +goose Down
drop table api_tokens, refresh_tokens, order_items, orders, products, store_staff, users, stores, categories;
