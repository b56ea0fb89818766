#!/usr/bin/env bash
# Load benchmark (README: Benchmarks). On a fresh embedded database with the demo data, as the merchant of
# lotus-electronics, it measures three pages over HTTP with wrk (orders(first: 50) with lines, products and
# buyer; afterSalesCases(first: 50) with items, order and deadline; the store's metrics) against the SQL
# that fetches the same page run directly by pgbench:
#   - the server's own statements, captured from the server as it answered that very request
#     (server -capture-sql, bench/replay), replayed as the app role under the same row-level security;
#   - for the orders page, one json_agg statement that builds the whole answer (bench/orders-page-json.sql);
#   - the captured statements again as a role with BYPASSRLS (the cost of row-level security).
# It ends with a table: each HTTP rate as a share of the fastest SQL for the same page.
# Settings: CONC (connections, default 16), DUR (seconds per run, default 20), PORT (default 18181),
# ADV=0 skips the hostile-documents round (bench/adversarial).
set -euo pipefail
cd "$(dirname "$0")/.."
CONC=${CONC:-16}; DUR=${DUR:-20}; PORT=${PORT:-18181}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d /tmp/tgbench.XXXXXX)
chmod 755 "$work"
go build -o "$work/server" ./server
go build -o "$work/replay" ./bench/replay
pid=
stop_server() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=; }; }
trap 'stop_server; rm -rf "$work"' EXIT
url="http://127.0.0.1:$PORT/graphql"
start_server() { # extra flags
  "$work/server" -addr "127.0.0.1:$PORT" -data "$work/data" -log-level warn -scheduler-every 0 -throttle-capacity 0 -throttle-admin-capacity 0 "$@" >>"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return; sleep 0.5; done
  echo "bench: the server did not start" >&2; cat "$work/server.log" >&2; exit 1
}
login() {
  local body='{"query":"mutation { login(input: {email: \"owner@lotus-electronics.test\", password: \"demo-password\"}) { accessToken } }"}'
  TOKEN=$(curl -fs "$url" -H 'Content-Type: application/json' -d "$body" | grep -o '"accessToken":"[^"]*"' | cut -d'"' -f4)
  export TOKEN
}
ask() { curl -fs "$url" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" -d @"$1"; }

pages=(orders cases metrics)
declare -A query=([orders]=bench/orders-query.json [cases]=bench/cases-query.json [metrics]=bench/metrics-query.json)

# 1. Capture: one request per page with every statement the app runs written down, then the server again
# without the capture for the measurements.
start_server -capture-sql "$work/capture.jsonl"
login
for p in "${pages[@]}"; do
  ask "${query[$p]}" >/dev/null # once to warm up, then the captured one
  : >"$work/capture.jsonl"
  ask "${query[$p]}" >"$work/$p.answer.json"
  grep -q '"errors"' "$work/$p.answer.json" && { echo "bench: $p answered errors: $(cut -c1-400 "$work/$p.answer.json")" >&2; exit 1; }
  cp "$work/capture.jsonl" "$work/$p.capture.jsonl"
  "$work/replay" -in "$work/$p.capture.jsonl" -script "$work/$p.sql"
done
stop_server
start_server
login

sock="$work/data/postgres/run"
psql_as() { local role=$1; shift; "$pgbin/psql" -h "$sock" -U "$role" -d tradeguard -Atq "$@"; }
psql_sys() { psql_as tradeguard_owner -c "select set_config('app.role','system',false)" -c "$1" | tail -1; }
store=$(psql_sys "select id from stores where slug = 'lotus-electronics'")
user=$(psql_sys "select id from users where email = 'owner@lotus-electronics.test'")
orders=$(psql_sys "select count(*) from orders")
store_orders=$(psql_sys "select count(*) from orders where tenant_id = '$store'")
store_cases=$(psql_sys "select count(*) from cases where tenant_id = '$store'")
# The same privileges as the app role, without row-level security (superuser over the socket: the cluster's
# own user).
super=$(stat -c %U "$work/data/postgres")
"$pgbin/psql" -h "$sock" -U "$super" -d tradeguard -Atq -c "do \$\$ begin
  if not exists (select 1 from pg_roles where rolname = 'tradeguard_bench_bypass') then
    create role tradeguard_bench_bypass login bypassrls in role tradeguard_app; end if; end \$\$" >/dev/null

echo "== data: demo ($orders orders in 3 stores; lotus-electronics: $store_orders orders, $store_cases cases)"
echo "== machine: $(nproc) cores; server, PostgreSQL and the load generators share them; commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
for p in "${pages[@]}"; do
  echo "== $p page: $(($(grep -cv '^\\\|^PREPARE' "$work/$p.sql") - 2)) statements between BEGIN and COMMIT, $(wc -c <"$work/$p.answer.json") bytes of answer"
done

results="$work/results"
: >"$results"
http() { # page
  export BODY_FILE=${query[$1]}
  wrk -t2 -c"$CONC" -d3s -s bench/wrk-post.lua "$url" >/dev/null
  local r
  r=$(wrk -t2 -c"$CONC" -d"${DUR}s" -s bench/wrk-post.lua "$url" | grep '^RESULT')
  echo "$1 http $r" | tee -a "$results"
}
sql() { # page, label, script, role, pgbench flags
  local page=$1 label=$2 log="$work/pgb-$1-$2" script=$3 role=$4
  mkdir -p "$log"
  shift 4
  local defs=("$@")
  (cd "$log" && "$pgbin/pgbench" -n -h "$sock" -U "$role" -c "$CONC" -j 2 -T 3 -f "$script" "${defs[@]}" tradeguard >"$log/warmup.out" 2>&1) || { cat "$log/warmup.out" >&2; return 1; }
  rm -f "$log"/pgb*
  (cd "$log" && "$pgbin/pgbench" -n -h "$sock" -U "$role" -c "$CONC" -j 2 -T "$DUR" -f "$script" "${defs[@]}" \
    --log --log-prefix=pgb tradeguard >"$log/run.out" 2>&1) || { cat "$log/run.out" >&2; return 1; }
  local tps failed
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$log/run.out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log/run.out")
  cat "$log"/pgb.* | awk '{print $3}' | sort -n | awk -v p="$page" -v l="$label" -v tps="$tps" -v bad="${failed:-0}" '{a[NR]=$1} END {
    printf "%s %s RESULT %s %.2f %.2f %d\n", p, l, tps, a[int(NR*0.50)]/1000, a[int(NR*0.99)]/1000, bad }' | tee -a "$results"
}
for p in "${pages[@]}"; do
  echo "== $p: GraphQL over HTTP (wrk), then the server's statements (pgbench: PREPARE once per client, then EXECUTE), $CONC connections, ${DUR}s each"
  http "$p"
  sql "$p" captured "$work/$p.sql" tradeguard_app -M simple -Dprepared=0
  [ "$p" != orders ] || sql "$p" json_agg "$PWD/bench/orders-page-json.sql" tradeguard_app -M prepared -Dstore="$store" -Duser="$user"
  sql "$p" bypassrls "$work/$p.sql" tradeguard_bench_bypass -M simple -Dprepared=0
done

echo
echo "== summary ($CONC connections, ${DUR}s per run; p50 / p99 in ms)"
awk '{ rate[$1" "$2] = $4; p50[$1" "$2] = $5; p99[$1" "$2] = $6; bad[$1" "$2] = $7 } END {
  printf "| page | GraphQL over HTTP | server statements (RLS) | one json_agg statement | HTTP / fastest SQL | HTTP p99 / p50 | RLS cost (p50, vs BYPASSRLS) |\n|---|---|---|---|---|---|---|\n"
  split("orders cases metrics", ps, " ")
  for (i = 1; i <= 3; i++) { p = ps[i]
    best = rate[p" captured"]; j = "–"
    if (p" json_agg" in rate) {
      if (rate[p" json_agg"] > best) best = rate[p" json_agg"]
      j = sprintf("%.0f/s, %.1f / %.1f", rate[p" json_agg"], p50[p" json_agg"], p99[p" json_agg"])
    }
    printf "| %s | %.0f/s, %.1f / %.1f | %.0f/s, %.1f / %.1f | %s | **%.0f%%** | %.1f | %+.0f%% |\n", p,
      rate[p" http"], p50[p" http"], p99[p" http"], rate[p" captured"], p50[p" captured"], p99[p" captured"], j,
      100 * rate[p" http"] / best, p99[p" http"] / p50[p" http"], 100 * (p50[p" captured"] / p50[p" bypassrls"] - 1)
    if (bad[p" http"] > 0) printf "   (%s: %d HTTP answers were errors)\n", p, bad[p" http"]
  } }' "$results"

echo "== server memory: peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$pid/status) over the page runs (GOGC 400, soft limit 160 MiB: server/gc.go)"

# Writes (issue #12): $CONC buyers' loops of orderCreate, orderPay, afterSalesCaseCreate (a cancellation) and
# afterSalesCaseApprove (its refund), each step waiting for the one before (bench/writes). PostgreSQL itself
# logs every lock wait that lasts over 10 ms (log_lock_waits with deadlock_timeout 10ms): they are counted.
echo "== writes: $CONC workers, ${DUR}s (requests/s, p50 / p99 ms, failed)"
"$pgbin/psql" -h "$sock" -U "$super" -d tradeguard -Atq -c "alter system set log_lock_waits = on" \
  -c "alter system set deadlock_timeout = '10ms'" -c "select pg_reload_conf()" >/dev/null
pglog="$work/data/postgres/postgres.log"
waits_before=$(grep -c "still waiting" "$pglog" || true)
go run ./bench/writes -url "$url" -c "$CONC" -d "${DUR}s" | tee "$work/writes.out"
waits=$(($(grep -c "still waiting" "$pglog" || true) - waits_before))
mutations=$(awk '/RESULT/ {n += $3} END {printf "%.0f", n * '"$DUR"'}' "$work/writes.out")
echo "== writes: $waits lock waits over 10 ms in $mutations mutations; where:"
grep -A2 "still waiting" "$pglog" | grep -o 'relation "[a-z_]*"' | sort | uniq -c | sort -rn | head -5 || true
"$pgbin/psql" -h "$sock" -U "$super" -d tradeguard -Atq -c "alter system reset log_lock_waits" \
  -c "alter system reset deadlock_timeout" -c "select pg_reload_conf()" >/dev/null

# Issue #9: hostile documents as 5% of all requests beside the orders page (open loop, fixed rate; clean and
# mixed rounds alternate so both see the same machine). ADV_RATE: orders-page requests per second.
if [ "${ADV:-1}" != 0 ]; then
  echo "== hostile documents beside the orders page (bench/adversarial, vegeta)"
  go run ./bench/adversarial -url "$url" -token "$TOKEN" -body bench/orders-query.json \
    -rate "${ADV_RATE:-40}" -round "${ADV_ROUND:-20s}" -rounds "${ADV_ROUNDS:-2}"
fi
