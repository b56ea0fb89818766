#!/usr/bin/env bash
# Installs what tradeguard needs and this machine lacks: Debian packages (as root, via apt-get; otherwise
# it prints the exact command to run) and Go modules. Usage: scripts/deps.sh [extra-debian-package ...]
# The extra packages are installed only if their command is missing (e.g. wrk for the benchmark).
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
