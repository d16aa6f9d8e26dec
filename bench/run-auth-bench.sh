#!/usr/bin/env bash
# make bench-auth: the identity benchmark of issue 4. Starts the auth and todos subgraphs and
# the router on free ports with a fresh PostgreSQL database, then bench/cmd/authbench measures
# through the router: p50/p95/p99 of login, refresh and `me` at steady arrival rates, and the
# memory of auth and the router during a burst of concurrent logins. See docs/benchmarks.md.
#
# Settings (environment):
#   BENCH_AUTH_DURATION      measured time of each steady-rate phase (default 20s)
#   BENCH_AUTH_LOGIN_RATE    logins per second (default 10)
#   BENCH_AUTH_REFRESH_RATE  refreshes per second (default 500)
#   BENCH_AUTH_ME_RATE       `me` queries per second (default 500)
#   BENCH_AUTH_BURST         logins fired at once (default 100)
#   BENCH_AUTH_USERS         accounts signed up before measuring (default 20)
#   PGHOST PGPORT PGUSER     PostgreSQL (default 127.0.0.1, 5432, postgres; trust auth)
#   REDIS_URL                Redis (default redis://127.0.0.1:6379/0)
#
# All load comes from 127.0.0.1, so the per-IP login and signup limits are raised for the run
# (LOGIN_LIMIT_PER_IP, SIGNUP_LIMIT_PER_IP) and the rate-limit keys get a prefix of their own
# (RATE_LIMIT_PREFIX=bench:<random>), deleted at the end, like the database.
#
# Output: the table on stdout; the JSON lines (one per phase), the table and every log in
# bench/results/auth-<UTC time>/ (bench/results/auth-latest points at the newest). Exit status
# 1 when any request failed or the run could not be done.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION="${BENCH_AUTH_DURATION:-20s}"
LOGIN_RATE="${BENCH_AUTH_LOGIN_RATE:-10}"
REFRESH_RATE="${BENCH_AUTH_REFRESH_RATE:-500}"
ME_RATE="${BENCH_AUTH_ME_RATE:-500}"
BURST="${BENCH_AUTH_BURST:-100}"
USERS="${BENCH_AUTH_USERS:-20}"
PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
PG_USER="${PGUSER:-postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

log() { printf '%s bench-auth: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

for cmd in go curl createdb dropdb setsid; do
  command -v "$cmd" >/dev/null || die "$cmd is required"
done
answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
redis_hostport="${REDIS_URL#redis://}"; redis_hostport="${redis_hostport%%/*}"; redis_hostport="${redis_hostport##*@}"
redis_host="${redis_hostport%%:*}"; redis_port="${redis_hostport##*:}"
[[ "$redis_port" != "$redis_host" ]] || redis_port=6379
answers "$PG_HOST" "$PG_PORT" || die "PostgreSQL does not answer at $PG_HOST:$PG_PORT (start it, or set PGHOST/PGPORT)"
answers "$redis_host" "$redis_port" || die "Redis does not answer at $redis_host:$redis_port (start it, or set REDIS_URL)"

# free_port: a port nothing listens on, from the ephemeral-looking range, not handed out twice.
TAKEN=" "
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 30000))
    if [[ "$TAKEN" != *" $p "* ]] && ! answers 127.0.0.1 "$p"; then
      TAKEN+="$p "
      echo "$p"
      return 0
    fi
  done
  die "found no free port on 127.0.0.1"
}
AUTH_PORT="$(free_port)"
AI_PORT="$(free_port)"
TODOS_PORT="$(free_port)"
ROUTER_PORT="$(free_port)"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/auth-$STAMP"
mkdir -p "$OUT"
ln -sfn "auth-$STAMP" "$ROOT/bench/results/auth-latest"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/bench-auth.XXXXXX")"
RUN_ID="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
DB_NAME="fedstack_authbench_$RUN_ID"
LIMIT_PREFIX="bench:$RUN_ID"
DB_CREATED=0

# --- process handling -------------------------------------------------------------------
PIDS=()
stop_group() { # stop_group <pid>: TERM the process group led by pid, KILL it after 5 s
  local pid="$1"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_group "${PIDS[$i]}"; done
  if ((DB_CREATED)); then
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$DB_NAME" 2>>"$OUT/cleanup.log" \
      || log "could not drop the database $DB_NAME (see $OUT/cleanup.log); drop it by hand"
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "${DB_NAME}_ai" 2>>"$OUT/cleanup.log" \
      || log "could not drop the database ${DB_NAME}_ai (see $OUT/cleanup.log); drop it by hand"
  fi
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "$LIMIT_PREFIX:*" 2>/dev/null \
      | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() { # start <name> env...: runs "$TMP/bin/<name>" in its own process group
  local name="$1"; shift
  setsid env "$@" "$TMP/bin/$name" >"$OUT/$name.log" 2>&1 &
  PIDS+=("$!")
  LAST_PID=$!
}
wait_ready() { # wait_ready <name> <pid> <url> <seconds>
  local name="$1" pid="$2" url="$3" limit="$4"
  for _ in $(seq $((limit * 10))); do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$OUT/$name.log" >&2; die "$name stopped while starting (log: $OUT/$name.log)"; }
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  tail -30 "$OUT/$name.log" >&2
  die "$name was not ready within ${limit}s (log: $OUT/$name.log)"
}

# --- build, database ----------------------------------------------------------------------
log "building authbench, auth, todos and the router into $TMP/bin ..."
mkdir -p "$TMP/bin" "$TMP/ferretdb"
go build -o "$TMP/bin/" ./bench/cmd/authbench ./subgraphs/auth/cmd/auth ./subgraphs/ai/cmd/ai ./subgraphs/todos/cmd/todos ./router/cmd/router

createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$DB_NAME" || die "could not create the database $DB_NAME"
DB_CREATED=1
log "database $DB_NAME; rate-limit prefix $LIMIT_PREFIX; ports auth $AUTH_PORT, todos $TODOS_PORT, router $ROUTER_PORT"

# --- how busy the machine is before we start ----------------------------------------------
cpu_times() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
read -r t0 i0 < <(cpu_times); sleep 1; read -r t1 i1 < <(cpu_times)
BUSY_BEFORE=$(( (t1 - t0) > 0 ? 100 * ((t1 - t0) - (i1 - i0)) / (t1 - t0) : 0 ))
if ((BUSY_BEFORE > 20)); then
  log "WARNING: the machine was ${BUSY_BEFORE}% busy before the benchmark started; expect noisy numbers"
fi

# --- the stack ------------------------------------------------------------------------------
JWKS="http://127.0.0.1:$AUTH_PORT/.well-known/jwks.json"
COMMON=(APP_ENV=development LOG_LEVEL=warn REDIS_URL="$REDIS_URL")
log "starting auth, todos and the router ..."
start auth "${COMMON[@]}" PORT="$AUTH_PORT" \
  DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$DB_NAME?sslmode=disable" \
  RATE_LIMIT_PREFIX="$LIMIT_PREFIX" LOGIN_LIMIT_PER_IP=1000000 SIGNUP_LIMIT_PER_IP=1000000
AUTH_PID=$LAST_PID
# The router composes every subgraph of supergraph.yaml and is ready only when all answer:
# the ai subgraph runs too (offline model, its own database, dropped at the end).
start ai "${COMMON[@]}" PORT="$AI_PORT" JWKS_URL="$JWKS" \
  DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/${DB_NAME}_ai?sslmode=disable" RATE_LIMIT_PREFIX="$LIMIT_PREFIX"
AI_PID=$LAST_PID
start todos "${COMMON[@]}" PORT="$TODOS_PORT" JWKS_URL="$JWKS" FERRETDB_SQLITE_DIR="$TMP/ferretdb"
TODOS_PID=$LAST_PID
wait_ready auth "$AUTH_PID" "http://127.0.0.1:$AUTH_PORT/ready" 60
wait_ready ai "$AI_PID" "http://127.0.0.1:$AI_PORT/ready" 60
wait_ready todos "$TODOS_PID" "http://127.0.0.1:$TODOS_PORT/ready" 90
start router "${COMMON[@]}" PORT="$ROUTER_PORT" JWKS_URL="$JWKS" SUPERGRAPH_CONFIG="$ROOT/supergraph.yaml" \
  SUBGRAPH_AUTH_URL="http://127.0.0.1:$AUTH_PORT/graphql" \
  SUBGRAPH_AI_URL="http://127.0.0.1:$AI_PORT/graphql" SUBGRAPH_AI_WS_URL="ws://127.0.0.1:$AI_PORT/graphql" \
  SUBGRAPH_TODOS_URL="http://127.0.0.1:$TODOS_PORT/graphql" \
  SUBGRAPH_TODOS_WS_URL="ws://127.0.0.1:$TODOS_PORT/graphql"
ROUTER_PID=$LAST_PID
wait_ready router "$ROUTER_PID" "http://127.0.0.1:$ROUTER_PORT/ready" 60

# --- measure ----------------------------------------------------------------------------------
rc=0
"$TMP/bin/authbench" -url "http://127.0.0.1:$ROUTER_PORT/graphql" \
  -auth-pid "$AUTH_PID" -router-pid "$ROUTER_PID" -users "$USERS" \
  -login-rate "$LOGIN_RATE" -login-duration "$DURATION" \
  -refresh-rate "$REFRESH_RATE" -refresh-duration "$DURATION" \
  -me-rate "$ME_RATE" -me-duration "$DURATION" -burst "$BURST" \
  -out "$OUT/results.jsonl" >"$OUT/authbench.md" 2> >(tee "$OUT/authbench.log" >&2) || rc=$?

VERSION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")"
if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]]; then VERSION="$VERSION+changes"; fi
CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
MEM_GB="$(free -g | awk '/^Mem:/ {print $2}')"
PG_VERSION="$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -XAtc 'show server_version' postgres 2>/dev/null || echo "?")"
REDIS_VERSION="$( (redis-cli -u "$REDIS_URL" info server 2>/dev/null || true) | awk -F: '/^redis_version/ {print $2}' | tr -d '\r')"
{
  echo "Identity benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $VERSION, $(go env GOVERSION)"
  echo "Machine: $(nproc) cores ($CPU_MODEL), ${MEM_GB} GiB memory, ${BUSY_BEFORE}% busy before the start; nothing pinned: load generator, router, auth, todos, PostgreSQL ${PG_VERSION:-?} and Redis ${REDIS_VERSION:-?} share the cores"
  echo "Through the router; login limits per IP raised to 1000000 (all load comes from 127.0.0.1); argon2id m=19 MiB t=2 p=1"
  echo
  cat "$OUT/authbench.md"
} >"$OUT/table.md"
cat "$OUT/table.md"
echo
echo "raw results: ${OUT#"$ROOT/"}/results.jsonl"
case "$rc" in
  0) ;;
  1) die "FAILED: some requests failed (see above and $OUT)" ;;
  *) die "FAILED: the benchmark could not be done (exit $rc; see $OUT/authbench.log and the service logs in $OUT)" ;;
esac
