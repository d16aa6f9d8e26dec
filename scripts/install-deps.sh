#!/usr/bin/env bash
# Installs what building, running and testing need, once: Go modules, pnpm, the web
# packages and (with --browser) Debian's Chromium for the browser tests. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

pnpm_version=12.4.2
want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

need() { command -v "$1" >/dev/null 2>&1 || { echo "$1 is required: $2" >&2; exit 1; }; }
need go "install Go 1.26 (https://go.dev/dl)"
need node "install Node.js 20 or newer"
need npm "install npm (comes with Node.js)"
need curl "apt-get install -y curl"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "installing pnpm $pnpm_version..."
  npm install -g "pnpm@$pnpm_version" >/dev/null
fi

stamp=.data/.deps-stamp
mkdir -p .data
sum="$( (cat go.work web/pnpm-lock.yaml; find . -name go.sum -not -path './web/*' -not -path './.data/*' | sort | xargs cat) 2>/dev/null | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ] || [ ! -d web/node_modules ]; then
  echo "downloading Go modules..."
  # Only what the packages and their tests import (a module graph can name modules that
  # are never built; the proxy here refuses some of those).
  go list -deps -test ./platform/... ./dataloaders/... ./router/... ./subgraphs/auth/... ./subgraphs/todos/... ./subgraphs/ai/... ./bench/... >/dev/null
  echo "installing web packages..."
  (cd web && pnpm install --frozen-lockfile --reporter=silent)
  echo "$sum" >"$stamp"
fi

if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "installing Chromium from Debian's packages (for the browser tests)..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
