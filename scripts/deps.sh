#!/usr/bin/env bash
# Installs what tradeguard needs and this machine lacks, then builds the portal: Debian packages (as root,
# via apt-get; otherwise it prints the exact command to run), Go modules, the frontend's npm packages
# (`npm ci` in frontend/ when node_modules is missing or older than package-lock.json) and the portal and
# GraphiQL (`npm run build`, into frontend/dist/app/, when that is missing or older than its sources).
# Node.js 20.19+ with npm must be installed already: if not, it prints the command that installs them.
# Usage: scripts/deps.sh [extra-debian-package ...]; the extras are installed only if their command is
# missing (chromium for the browser tests, with a CJK font; pgbouncer for the pooling tests; wrk for the
# benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed: install Go 1.26 or newer from https://go.dev/dl and re-run." >&2
  exit 1
fi

missing=()
# PostgreSQL server binaries (initdb, postgres) and pg_stat_statements, which the tests use.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
for pkg in "$@"; do
  # Daemons such as pgbouncer live in /usr/sbin, off a non-root user's PATH.
  command -v "$pkg" >/dev/null 2>&1 || [ -x "/usr/sbin/$pkg" ] || missing+=("$pkg")
  # The portal's screenshots show Chinese: chromium needs a CJK font, which Debian's chromium does not bring.
  if [ "$pkg" = chromium ] && ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then
    missing+=(fonts-wqy-microhei)
  fi
done

if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages; run:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

go mod download

# Node.js 20.19+ (Vite 7 needs it) and npm.
node_ok() {
  command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
if ! node_ok; then
  echo "Node.js 20.19 or newer with npm is needed to build the portal (found: node $(node --version 2>/dev/null || echo none), npm $(npm --version 2>/dev/null || echo none))." >&2
  . /etc/os-release 2>/dev/null || true
  if [ "${ID:-}" = debian ] && [ "${VERSION_ID%%.*}" -ge 13 ] 2>/dev/null; then
    echo "Install them (as root) and re-run:  apt-get install -y nodejs npm" >&2
  else # Debian 12's own nodejs is 18: NodeSource's Node.js 20 comes with npm
    echo "Install them (as root) and re-run:  apt-get install -y curl ca-certificates && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs" >&2
  fi
  exit 1
fi

# npm ci (re)creates node_modules/.package-lock.json; its age is compared with the committed lock file.
if [ ! -e frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  echo "installing the frontend's npm packages (npm ci in frontend/)"
  (cd frontend && npm ci --no-audit --no-fund)
fi

# Vite writes dist/app/index.html on every build, so it dates the build.
built=frontend/dist/app/index.html
if [ ! -e "$built" ] || [ -n "$(find frontend/index.html frontend/graphiql frontend/src frontend/public frontend/vite.config.ts \
  frontend/tsconfig.json frontend/package-lock.json -newer "$built" -print -quit)" ]; then
  echo "building the portal and GraphiQL (npm run build in frontend/, into frontend/dist/app/)"
  (cd frontend && npm run build --silent)
fi
