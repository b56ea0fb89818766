#!/usr/bin/env bash
# Load benchmark (README: Benchmarks). Starts the server on a fresh embedded database with the demo data,
# then measures orders(first: 50) as the merchant of lotus-electronics over HTTP with wrk, and the same SQL
# run directly by pgbench as the app role under the same row-level security.
# Settings: CONC (connections, default 8), DUR (seconds per run, default 30), PORT (default 18181).
set -euo pipefail
cd "$(dirname "$0")/.."
CONC=${CONC:-8}; DUR=${DUR:-30}; PORT=${PORT:-18181}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d /tmp/tgbench.XXXXXX)
chmod 755 "$work"
go build -o "$work/server" ./server
"$work/server" -addr "127.0.0.1:$PORT" -data "$work/data" -log-level warn >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 120); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done

url="http://127.0.0.1:$PORT/graphql"
login='{"query":"mutation { login(input: {email: \"owner@lotus-electronics.test\", password: \"demo-password\"}) { accessToken } }"}'
TOKEN=$(curl -fs "$url" -H 'Content-Type: application/json' -d "$login" | grep -o '"accessToken":"[^"]*"' | cut -d'"' -f4)
export TOKEN BODY_FILE=bench/orders-query.json

sock="$work/data/postgres/run"
psql_sys() { "$pgbin/psql" -h "$sock" -U tradeguard_owner -d tradeguard -Atq -c "select set_config('app.role','system',false)" -c "$1" | tail -1; }
store=$(psql_sys "select id from stores where slug = 'lotus-electronics'")
user=$(psql_sys "select id from users where email = 'owner@lotus-electronics.test'")
orders=$(psql_sys "select count(*) from orders")
sed -e "s/STORE_ID/$store/g" -e "s/USER_ID/$user/g" bench/orders-page.sql >"$work/orders-page.sql"

echo "== data: demo ($orders orders in 3 stores; the merchant's page reads 50 of its orders, their lines, products and buyers)"
echo "== machine: $(nproc) cores; server, PostgreSQL and the load generator share them"
echo "== warm-up"
wrk -t2 -c"$CONC" -d5s -s bench/wrk-post.lua "$url" >/dev/null
echo "== GraphQL over HTTP: orders(first: 50), $CONC connections, ${DUR}s (wrk)"
wrk -t2 -c"$CONC" -d"${DUR}s" --latency -s bench/wrk-post.lua "$url"

echo "== the same SQL directly (pgbench as tradeguard_app, RLS on), $CONC connections, ${DUR}s"
(cd "$work" && "$pgbin/pgbench" -n -h "$sock" -U tradeguard_app -c "$CONC" -j 2 -T "$DUR" \
  -f orders-page.sql --log --log-prefix=pgb tradeguard | grep -E 'tps|latency average|transactions actually')
cat "$work"/pgb* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
  printf "latency p50 %.2f ms, p99 %.2f ms (%d transactions)\n", a[int(NR*0.50)]/1000, a[int(NR*0.99)]/1000, NR }'

# Issue #9: hostile documents as 5% of all requests beside the orders page (open loop, fixed rate; clean and
# mixed rounds alternate so both see the same machine). ADV_RATE: orders-page requests per second.
echo "== hostile documents beside the orders page (bench/adversarial, vegeta)"
go run ./bench/adversarial -url "$url" -token "$TOKEN" -body bench/orders-query.json \
  -rate "${ADV_RATE:-40}" -round "${ADV_ROUND:-20s}" -rounds "${ADV_ROUNDS:-2}"
