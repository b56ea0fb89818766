-- The SQL the server runs for bench/orders-query.json as the merchant of STORE_ID, run directly by pgbench
-- as the same app role under the same row-level security: the baseline for the GraphQL layer's cost.
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
select set_config('app.role', 'merchant', true), set_config('app.user_id', 'USER_ID', true),
  set_config('app.tenant_id', 'STORE_ID', true), set_config('app.login_email', '', true),
  set_config('app.refresh_family', '', true), set_config('app.api_token_hash', '', true);
select tenant_id, id, number, buyer_id, status, currency, subtotal_minor, shipping_minor, total_minor, paid_minor,
  refunded_minor, payment_method, buyer_name, ship_name, ship_phone, ship_address, created_at, paid_at, ship_by, shipped_at,
  carrier, tracking_number, delivered_at, completed_at, cancelled_at, cancelled_by, cancel_reason, version
  from orders where tenant_id = 'STORE_ID' order by created_at desc, id desc limit 51;
select i.tenant_id, i.id, i.order_id, i.product_id, i.position, i.title, i.quantity, i.unit_price_minor, i.gift_of,
  i.declared_value_minor, o.currency
  from order_items i join orders o on o.tenant_id = i.tenant_id and o.id = i.order_id
  where (i.tenant_id, i.order_id) in (select tenant_id, id from orders where tenant_id = 'STORE_ID' order by created_at desc, id desc limit 50)
  order by i.tenant_id, i.order_id, i.position;
select tenant_id, id, sku, title, category, price_minor, currency, warranty_days, status, created_at from products
  where (tenant_id, id) in (select i.tenant_id, i.product_id from order_items i where (i.tenant_id, i.order_id) in
    (select tenant_id, id from orders where tenant_id = 'STORE_ID' order by created_at desc, id desc limit 50));
select count(*) from orders where tenant_id = 'STORE_ID';
COMMIT;
