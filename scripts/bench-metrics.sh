#!/usr/bin/env bash
# Metrics benchmark (issue #10; README: Benchmarks). On a fresh embedded database: `tradeguard gen -size
# large` (1,000 stores, 1,000,000 orders), `tradeguard score` for today, then, with the server up (-demo off,
# scheduler off so nothing else runs), wrk as the generated admin over HTTP: a store's metrics (every rate with
# numerator, denominator, rate and status) for the biggest store (~100k orders) and a median one, as of now and
# 90 days ago, and scoreboard(first: 50).
# Settings: SIZE (default large), CONC (connections of the loaded run, default 4), DUR (seconds per run, default 15),
# PORT (18182).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-large}; CONC=${CONC:-4}; DUR=${DUR:-15}; PORT=${PORT:-18182}
work=$(mktemp -d /tmp/tgbenchm.XXXXXX)
chmod 755 "$work"
go build -o "$work/tradeguard" ./server
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

echo "== commit $(git rev-parse --short HEAD); machine: $(nproc) cores; server, PostgreSQL and wrk share them"

# (e) issue #12's scale target: the orders page (bench/orders-query.json) as a store's owner at PAGE_CONC
# connections, first on the demo data (lotus-electronics, 420 orders), then below on the generated data
# (its biggest store), first page and a page 50,000 orders deep by cursor.
PAGE_CONC=${PAGE_CONC:-16}
orders_page() { # label, owner e-mail, password, body file
  local login="{\"query\":\"mutation { login(input: {email: \\\"$2\\\", password: \\\"$3\\\"}) { accessToken } }\"}"
  TOKEN=$(curl -fs "$url" -H 'Content-Type: application/json' -d "$login" | grep -o '"accessToken":"[^"]*"' | cut -d'"' -f4)
  export TOKEN BODY_FILE=$4
  curl -fs "$url" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" -d @"$BODY_FILE" | grep -q '"edges":\[{' ||
    { echo "bench: $1: no orders in the answer" >&2; exit 1; }
  wrk -t2 -c"$PAGE_CONC" -d3s -s bench/wrk-post.lua "$url" >/dev/null
  echo "$1 RESULT $(wrk -t2 -c"$PAGE_CONC" -d"${DUR}s" -s bench/wrk-post.lua "$url" | sed -n 's/^RESULT //p')" | tee -a "$work/pages.txt"
}
url="http://127.0.0.1:$PORT/graphql"
"$work/tradeguard" -addr "127.0.0.1:$PORT" -data "$work/demo" -scheduler-every 0 -throttle-capacity 0 -throttle-admin-capacity 0 -log-level warn >"$work/demo.log" 2>&1 &
pid=$!
for _ in $(seq 240); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
echo "== (e) orders page, demo data, $PAGE_CONC connections, ${DUR}s (requests/s p50 p99 ms, errors)"
orders_page "orders page, demo (420 orders)" owner@lotus-electronics.test demo-password bench/orders-query.json
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "== (d) generator: tradeguard gen -size $SIZE"
"$work/tradeguard" gen -size "$SIZE" -score=false -data "$work/data" | tee "$work/gen.txt"
biggest=$(sed -n 's/^biggest store [^ ]* (\([0-9a-f-]*\),.*/\1/p' "$work/gen.txt")
median=$(sed -n 's/.*median store [^ ]* (\([0-9a-f-]*\),.*/\1/p' "$work/gen.txt")

echo "== (c) full score recompute for today: tradeguard score"
/usr/bin/time -f "wall %e s" "$work/tradeguard" score -data "$work/data" 2>&1 | tail -2

"$work/tradeguard" -addr "127.0.0.1:$PORT" -data "$work/data" -demo off -scheduler-every 0 -throttle-capacity 0 -throttle-admin-capacity 0 -log-level warn >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 120); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
login='{"query":"mutation { login(input: {email: \"admin@datagen.test\", password: \"datagen-password\"}) { accessToken } }"}'
TOKEN=$(curl -fs "$url" -H 'Content-Type: application/json' -d "$login" | grep -o '"accessToken":"[^"]*"' | cut -d'"' -f4)
export TOKEN

gid() { printf 'Store:%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
rate='numerator denominator rate insufficientData status'
metrics_body() { # store id, as-of instant
  local q="query { store(id: \\\"$(gid "$1")\\\") { metrics(asOf: \\\"$2\\\") { ordersLast30Days"
  for k in dissatisfactionRate orderDefectRate refundRate qualityRefundRate interventionRate disputeRate lateShipmentRate cancellationRate; do
    q="$q $k { $rate }"
  done
  q="$q responseTime { answered medianHours } ratings { count overall } } } }"
  printf '{"query":"%s"}' "$q" >"$work/body.json"
}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ); ago=$(date -u -d '90 days ago' +%Y-%m-%dT%H:%M:%SZ)
run() { # title: one connection (latency alone), then CONC (latency under load, queueing on the cores included)
  curl -fs "$url" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" -d @"$BODY_FILE" | cut -c1-300; echo
  wrk -t1 -c1 -d3s -s bench/wrk-post.lua "$url" >/dev/null
  for c in 1 "$CONC"; do
    echo "== $1: $c connection(s), ${DUR}s (wrk)"
    wrk -t"$(( c > 1 ? 2 : 1 ))" -c"$c" -d"${DUR}s" --latency -s bench/wrk-post.lua "$url" | grep -E 'Requests/sec|50%|90%|99%|RESULT'
  done
}
export BODY_FILE="$work/body.json"
for s in biggest median; do
  id=${!s}
  for at in "$now" "$ago"; do
    metrics_body "$id" "$at"
    run "(a) store.metrics, $s store ($id), as of $at"
  done
done
printf '{"query":"query { scoreboard(first: 50) { edges { node { store { slug } score { score level } metrics { metric value numerator denominator status } } } } }"}' >"$work/body.json"
run "(b) scoreboard(first: 50) of all stores"

bslug=$(sed -n 's/^biggest store \([^ ]*\) (.*/\1/p' "$work/gen.txt")
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cursor=$("$pgbin/psql" -h "$work/data/postgres/run" -U tradeguard_owner -d tradeguard -Atq \
  -c "select set_config('app.role', 'system', false)" \
  -c "select floor(extract(epoch from created_at) * 1000000)::bigint * 1000 || '|' || id from orders
      where tenant_id = '$biggest' order by created_at desc, id desc offset 50000 limit 1" | tail -1 | tr -d '\n' | base64 -w0 | tr '+/' '-_' | tr -d '=')
sed "s/orders(first: 50)/orders(first: 50, after: \\\\\"$cursor\\\\\")/" bench/orders-query.json >"$work/deep.json"
echo "== (e) orders page, generated data, biggest store ($bslug), $PAGE_CONC connections, ${DUR}s"
orders_page "orders page, $SIZE data, first page" "owner@$bslug.test" datagen-password bench/orders-query.json
orders_page "orders page, $SIZE data, 50,000 deep" "owner@$bslug.test" datagen-password "$work/deep.json"
awk '/RESULT/ { r[NR] = $(NF-3); l[NR] = $0 } END { printf "== (e) first page at scale / demo: %.0f%%; deep / first: %.0f%%\n", 100 * r[2] / r[1], 100 * r[3] / r[2] }' "$work/pages.txt"
