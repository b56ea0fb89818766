#!/usr/bin/env bash
# Browser and protocol tests (make e2e; scripts/deps.sh chromium installs what they need and builds the
# portal). Builds the server, starts it as `make run` does (development mode, for GraphiQL) on a free loopback
# port with a fresh embedded database and the demo data, waits until it is ready, then runs
# `node --test frontend/e2e/` (playwright-core driving Debian's chromium; graphql-http's audits) with BASE_URL.
# The server and its data are removed afterwards; the exit code is the tests'.
# Arguments: test files to run (default: all of frontend/e2e/).
# Settings: CHROMIUM (browser binary, default: chromium on PATH), E2E_ARTIFACTS (keep the screenshots there;
# default: a temporary directory removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ ! -e frontend/dist/app/index.html ]; then
  echo "e2e: the portal is not built; run scripts/deps.sh" >&2
  exit 1
fi
if [ -z "$CHROMIUM" ]; then
  echo "e2e: chromium not found; run scripts/deps.sh chromium" >&2
  exit 1
fi
if [ ! -e frontend/node_modules/playwright-core/package.json ] || [ ! -e frontend/node_modules/graphql-http/package.json ]; then
  echo "e2e: frontend/node_modules is missing; run scripts/deps.sh chromium" >&2
  exit 1
fi

work=$(mktemp -d /tmp/tge2e.XXXXXX)
chmod 755 "$work" # as root, the embedded PostgreSQL runs as the postgres user, which must enter it
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  [ -z "$pid" ] || wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "e2e: $*" >&2
  echo "--- server output:" >&2
  cat "$work/server.out" "$work/server.log" >&2 2>/dev/null || true
  exit 1
}

go build -o "$work/server" ./server
# Port 0: the kernel picks a free port and the server prints the address it listens on.
"$work/server" -dev -addr 127.0.0.1:0 -data "$work/data" -log-level warn >"$work/server.out" 2>"$work/server.log" &
pid=$!

# GET http://127.0.0.1:$1$2 with bash alone (no curl on a fresh machine); succeeds on HTTP 200.
http_ok() {
  local status
  status=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
    head -n 1 <&3' _ "$1" "$2" 2>/dev/null) || return 1
  [[ $status == "HTTP/1."?" 200"* ]]
}

port=
deadline=$((SECONDS + 120))
until [ -n "$port" ] && http_ok "$port" /readyz; do
  kill -0 "$pid" 2>/dev/null || fail "the server exited before it was ready"
  ((SECONDS < deadline)) || fail "the server was not ready within 2 minutes"
  if [ -z "$port" ]; then
    port=$(sed -n 's|^ *portal: *http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/server.out" | head -n 1)
  fi
  sleep 0.5
done
export BASE_URL="http://127.0.0.1:$port"
export CHROMIUM
export E2E_ARTIFACTS=${E2E_ARTIFACTS:-$work/artifacts}
echo "e2e: server ready at $BASE_URL after ${SECONDS}s; browser $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo "version unknown"))"

status=0
node --test "${@:-frontend/e2e/}" || status=$?
if [ "$status" != 0 ] && [ -s "$work/server.log" ]; then
  echo "--- server log (warnings and errors):" >&2
  cat "$work/server.log" >&2
fi
exit "$status"
