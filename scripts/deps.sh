#!/usr/bin/env bash
# Installs what tradeguard needs and this machine lacks: Debian packages (as root, via apt-get; otherwise
# it prints the exact command to run) and Go modules. Usage: scripts/deps.sh [extra-debian-package ...]
# The extra packages are installed only if their command is missing (e.g. wrk for the benchmark).
# `scripts/deps.sh chromium` is for the browser tests (make e2e): Debian's chromium, plus the portal's npm
# packages (playwright-core, which drives that chromium), installed with `npm ci` in frontend/ when
# node_modules is missing or older than package-lock.json.
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
  command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
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

for pkg in "$@"; do
  [ "$pkg" = chromium ] || continue
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is not installed: install Node.js 20 or newer with npm (e.g. apt-get install -y nodejs npm) and re-run." >&2
    exit 1
  fi
  # npm ci (re)creates node_modules/.package-lock.json; its age is compared with the committed lock file.
  if [ ! -e frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    echo "installing the portal's npm packages (npm ci in frontend/)"
    (cd frontend && npm ci --no-audit --no-fund)
  fi
done
