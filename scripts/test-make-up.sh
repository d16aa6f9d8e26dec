#!/usr/bin/env bash
# Checks the README's promise: a fresh clone of this commit followed by `make up` reaches
# ready, and Ctrl-C stops every component. Runs on free ports so a running stack is untouched.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
db="fedstack_upcheck_$$"
cleanup() {
  [ -n "${pid:-}" ] && kill -INT "$pid" 2>/dev/null || true
  sleep 1
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP DATABASE IF EXISTS ${db}_ai WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

git clone -q --no-hardlinks "$root" "$work/clone"
cd "$work/clone"
# Reuse this checkout's installed web packages' store; the clone installs its own node_modules.
export STACK_ROUTER_PORT=$(free_port) STACK_AUTH_PORT=$(free_port) STACK_AI_PORT=$(free_port) STACK_TODOS_PORT=$(free_port) STACK_WEB_PORT=$(free_port)
export STACK_DB_NAME="$db"

start=$(date +%s)
setsid make up >"$work/up.log" 2>&1 &
pid=$!
for i in $(seq 1 600); do
  if grep -q '^open http' "$work/up.log"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "make up exited before ready:"; cat "$work/up.log"; exit 1; fi
  sleep 1
done
if ! grep -q '^open http' "$work/up.log"; then echo "make up did not reach ready in 600s:"; cat "$work/up.log"; exit 1; fi
elapsed=$(( $(date +%s) - start ))
grep -E '^(ready|open)' "$work/up.log"
curl -fsS "http://127.0.0.1:$STACK_ROUTER_PORT/ready" >/dev/null
curl -fsS "http://127.0.0.1:$STACK_WEB_PORT/" | grep -qi '<html' || { echo "the web app did not answer with a page"; exit 1; }

# Ctrl-C: the whole process group gets SIGINT, as from a terminal.
kill -INT -- "-$pid"
for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then echo "make up did not stop on Ctrl-C"; exit 1; fi
pid=""
for port in $STACK_ROUTER_PORT $STACK_AUTH_PORT $STACK_TODOS_PORT $STACK_WEB_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port still answers after Ctrl-C"; exit 1; fi
done
echo "make up from a fresh clone: ready in ${elapsed}s, stopped cleanly on Ctrl-C"
echo "make-up: 1 passed, 0 failed"
