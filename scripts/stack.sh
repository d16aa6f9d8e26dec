#!/usr/bin/env bash
# Runs the whole stack on this machine: the auth, ai and todos subgraphs, the router and the
# web app. Prints one line per component as it becomes ready, then the URL to open.
# Ctrl-C (or SIGTERM) stops all of it.
#
# Ports and data can be moved (tests do, so they never collide with a running `make up`):
#   STACK_ROUTER_PORT (4000) STACK_AUTH_PORT (4001) STACK_AI_PORT (4002) STACK_TODOS_PORT (4003)
#   STACK_WEB_PORT (5173)    STACK_DATA_DIR (.data)   STACK_SKIP_BUILD=1 (use bin/ as is)
#   STACK_DB_NAME (fedstack_auth; the ai subgraph's database is fedstack_ai, or <STACK_DB_NAME>_ai
#   when STACK_DB_NAME is set)
# The ai subgraph answers with the offline built-in model unless LLM_BASE_URL (and
# LLM_API_KEY) name an OpenAI-compatible provider; AI_* variables pass through.
#   STACK_NO_WEB=1 (only the Go services, e.g. for benchmarks)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

router_port="${STACK_ROUTER_PORT:-4000}"
auth_port="${STACK_AUTH_PORT:-4001}"
ai_port="${STACK_AI_PORT:-4002}"
todos_port="${STACK_TODOS_PORT:-4003}"
web_port="${STACK_WEB_PORT:-5173}"
data_dir="${STACK_DATA_DIR:-$root/.data}"
db_name="${STACK_DB_NAME:-fedstack_auth}"
ai_db_name="${STACK_DB_NAME:+${STACK_DB_NAME}_ai}"; ai_db_name="${ai_db_name:-fedstack_ai}"
pg_host="${PGHOST:-127.0.0.1}"
pg_port="${PGPORT:-5432}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
logs="$data_dir/logs"
mkdir -p "$logs" "$data_dir/ferretdb"

say() { printf '%s\n' "$*"; }

# answers HOST PORT: true when something accepts TCP connections there.
answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

redis_hostport="${redis_url#redis://}"; redis_hostport="${redis_hostport%%/*}"; redis_hostport="${redis_hostport##*@}"
redis_host="${redis_hostport%%:*}"; redis_port="${redis_hostport##*:}"
[ "$redis_port" = "$redis_host" ] && redis_port=6379

missing=0
if ! answers "$pg_host" "$pg_port"; then
  say "PostgreSQL does not answer at $pg_host:$pg_port."
  say "  start it: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start   (or: sudo systemctl start postgresql)"
  missing=1
fi
if ! answers "$redis_host" "$redis_port"; then
  say "Redis does not answer at $redis_host:$redis_port."
  say "  start it: redis-server --daemonize yes --port $redis_port"
  missing=1
fi
[ "$missing" = 0 ] || exit 1

if [ "${STACK_SKIP_BUILD:-}" != 1 ]; then
  say "building the Go services..."
  mkdir -p bin
  go build -o bin/ ./router/cmd/router ./subgraphs/auth/cmd/auth ./subgraphs/ai/cmd/ai ./subgraphs/todos/cmd/todos
fi
for d in $([ "${STACK_NO_WEB:-}" = 1 ] || echo web/apps/shell/dist web/apps/todos/dist web/apps/ai/dist); do
  if [ ! -d "$d" ]; then
    say "$d is missing: build the web app first (make web-build)"
    exit 1
  fi
done

pids=()
names=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

start() { # name command...
  local name="$1"; shift
  "$@" >"$logs/$name.log" 2>&1 &
  pids+=("$!")
  names+=("$name")
}

wait_ready() { # name url seconds
  local name="$1" url="$2" limit="$3" t0 i
  t0=$(date +%s%3N)
  for ((i = 0; i < limit * 10; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      local ms=$(($(date +%s%3N) - t0))
      printf 'ready  %-7s %-28s (%d.%01ds)\n' "$name" "${url%/ready}" $((ms / 1000)) $((ms % 1000 / 100))
      return 0
    fi
    local idx
    for idx in "${!pids[@]}"; do
      if [ "${names[$idx]}" = "$name" ] && ! kill -0 "${pids[$idx]}" 2>/dev/null; then
        say "$name stopped while starting; the end of its log ($logs/$name.log):"
        tail -n 30 "$logs/$name.log" | sed 's/^/  /'
        return 1
      fi
    done
    sleep 0.1
  done
  say "$name was not ready after ${limit}s; the end of its log ($logs/$name.log):"
  tail -n 30 "$logs/$name.log" | sed 's/^/  /'
  return 1
}

jwks="http://127.0.0.1:$auth_port/.well-known/jwks.json"
common=(REDIS_URL="$redis_url" APP_ENV="${APP_ENV:-development}" LOG_LEVEL="${LOG_LEVEL:-info}")

start auth env "${common[@]}" PORT="$auth_port" \
  DATABASE_URL="${DATABASE_URL:-postgres://postgres@$pg_host:$pg_port/$db_name?sslmode=disable}" \
  bin/auth
start ai env "${common[@]}" PORT="$ai_port" JWKS_URL="$jwks" \
  DATABASE_URL="${AI_DATABASE_URL:-postgres://postgres@$pg_host:$pg_port/$ai_db_name?sslmode=disable}" \
  bin/ai
start todos env "${common[@]}" PORT="$todos_port" JWKS_URL="$jwks" \
  FERRETDB_SQLITE_DIR="$data_dir/ferretdb" bin/todos
wait_ready auth "http://127.0.0.1:$auth_port/ready" 60
wait_ready ai "http://127.0.0.1:$ai_port/ready" 60
wait_ready todos "http://127.0.0.1:$todos_port/ready" 90

start router env "${common[@]}" PORT="$router_port" JWKS_URL="$jwks" \
  SUBGRAPH_AUTH_URL="http://127.0.0.1:$auth_port/graphql" \
  SUBGRAPH_AI_URL="http://127.0.0.1:$ai_port/graphql" \
  SUBGRAPH_AI_WS_URL="ws://127.0.0.1:$ai_port/graphql" \
  SUBGRAPH_TODOS_URL="http://127.0.0.1:$todos_port/graphql" \
  SUBGRAPH_TODOS_WS_URL="ws://127.0.0.1:$todos_port/graphql" \
  bin/router
wait_ready router "http://127.0.0.1:$router_port/ready" 60

if [ "${STACK_NO_WEB:-}" = 1 ]; then
  say "open http://127.0.0.1:$router_port/graphql   (GraphiQL; no web app: STACK_NO_WEB=1; logs: $logs; Ctrl-C stops)"
else
  start web env WEB_PORT="$web_port" ROUTER_URL="http://127.0.0.1:$router_port" AUTH_URL="http://127.0.0.1:$auth_port" AI_URL="http://127.0.0.1:$ai_port" TODOS_URL="http://127.0.0.1:$todos_port" node web/scripts/serve.mjs
  wait_ready web "http://127.0.0.1:$web_port/" 30
  say "open http://127.0.0.1:$web_port   (GraphiQL: http://127.0.0.1:$router_port/graphql; logs: $logs; Ctrl-C stops)"
fi

# Stop everything when any component exits.
set +e
wait -n "${pids[@]}"
status=$?
# A component that ends on a signal (Ctrl-C reaches the whole process group) is a stop,
# not a failure.
case "$status" in 0 | 130 | 143) exit 0 ;; esac
for idx in "${!pids[@]}"; do
  if ! kill -0 "${pids[$idx]}" 2>/dev/null; then
    say "${names[$idx]} exited (status $status); stopping the stack. The end of its log:"
    tail -n 20 "$logs/${names[$idx]}.log" | sed 's/^/  /'
  fi
done
exit "$status"
