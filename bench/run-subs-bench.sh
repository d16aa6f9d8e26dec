#!/usr/bin/env bash
# make bench-subs: the subscription benchmark of issue 5. Starts the auth and todos subgraphs
# and the router on free ports (a fresh PostgreSQL database for auth, FerretDB on SQLite in a
# temporary directory for todos), then bench/cmd/subbench measures through the router's
# graphql-transport-ws endpoint: the time from a write to its delivery to 1,000 subscribers of
# one user, and the idle subscriptions one router holds (1,000 to 40,000, until something
# gives) with its memory at each step. See docs/benchmarks.md.
#
# Settings (environment):
#   BENCH_SUBS_STEPS         subscriptions held at each ramp step (default 1000,5000,10000,20000,30000,40000)
#   BENCH_SUBS_USERS         users the ramp's subscriptions belong to (default 100)
#   BENCH_SUBS_TOKENS_PER_USER  distinct access tokens per user, used in turn by its connections
#                            (default 1; the router shares one upstream subscription among
#                            subscriptions with the same token, so 1 is the cheapest case)
#   BENCH_SUBS_LATENCY_SUBS  subscribers of the one user in the latency phase (default 1000)
#   BENCH_SUBS_WRITES        measured writes of the latency phase (default 100)
#   BENCH_SUBS_WRITE_RATE    writes per second in the latency phase (default 10)
#   BENCH_SUBS_BUDGET        time for the ramp; a step that would end later is not started (default 150s)
#   BENCH_SUBS_MAX_RSS_MB    stop the ramp once the router's RSS passes this (default 4000)
#   BENCH_SUBS_WORKERS       load generator processes holding the ramp's connections (default 2)
#   BENCH_SUBS_OVERSHOOT     connections tried past the router's open-files limit (default 200; 0: none)
#   PGHOST PGPORT PGUSER     PostgreSQL (default 127.0.0.1, 5432, postgres; trust auth)
#   REDIS_URL                Redis (default redis://127.0.0.1:6379/0)
#
# Every process gets the open-files limit raised to the hard limit (`ulimit -Hn`); the run
# prints both. All load comes from 127.0.0.1, so the per-IP signup and login limits are raised
# and the rate-limit keys get a prefix of their own (RATE_LIMIT_PREFIX=bench:<random>),
# deleted at the end, like the database and the temporary directory.
#
# Output: the tables on stdout; the JSON lines, the tables, the router's goroutine and heap
# profiles at each step and every log in bench/results/subs-<UTC time>/ (bench/results/subs-latest
# points at the newest). Exit status 1 when the latency phase lost deliveries or writes,
# 2 when the run could not be done.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STEPS="${BENCH_SUBS_STEPS:-1000,5000,10000,20000,30000,40000}"
USERS="${BENCH_SUBS_USERS:-100}"
TOKENS_PER_USER="${BENCH_SUBS_TOKENS_PER_USER:-1}"
LATENCY_SUBS="${BENCH_SUBS_LATENCY_SUBS:-1000}"
WRITES="${BENCH_SUBS_WRITES:-100}"
WRITE_RATE="${BENCH_SUBS_WRITE_RATE:-10}"
BUDGET="${BENCH_SUBS_BUDGET:-150s}"
MAX_RSS_MB="${BENCH_SUBS_MAX_RSS_MB:-4000}"
WORKERS="${BENCH_SUBS_WORKERS:-2}"
OVERSHOOT="${BENCH_SUBS_OVERSHOOT:-200}"
PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
PG_USER="${PGUSER:-postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

log() { printf '%s bench-subs: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 2; }

for cmd in go curl createdb dropdb setsid; do
  command -v "$cmd" >/dev/null || die "$cmd is required"
done
answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
redis_hostport="${REDIS_URL#redis://}"; redis_hostport="${redis_hostport%%/*}"; redis_hostport="${redis_hostport##*@}"
redis_host="${redis_hostport%%:*}"; redis_port="${redis_hostport##*:}"
[[ "$redis_port" != "$redis_host" ]] || redis_port=6379
answers "$PG_HOST" "$PG_PORT" || die "PostgreSQL does not answer at $PG_HOST:$PG_PORT (start it, or set PGHOST/PGPORT)"
answers "$redis_host" "$redis_port" || die "Redis does not answer at $redis_host:$redis_port (start it, or set REDIS_URL)"

# Open files: every subscriber is a socket in the router and one in the load generator.
NOFILE_SOFT_BEFORE="$(ulimit -Sn)"
NOFILE_HARD="$(ulimit -Hn)"
ulimit -Sn "$NOFILE_HARD" 2>/dev/null || log "could not raise the open-files limit from $NOFILE_SOFT_BEFORE to $NOFILE_HARD"
NOFILE="$(ulimit -Sn)"
log "open-files limit: $NOFILE (soft was $NOFILE_SOFT_BEFORE, hard $NOFILE_HARD); the router can hold about that many connections"

# free_port: a port nothing listens on, from the ephemeral-looking range, not handed out twice.
TAKEN=" "
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
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
PPROF_PORT="$(free_port)"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/subs-$STAMP"
mkdir -p "$OUT/profiles"
ln -sfn "subs-$STAMP" "$ROOT/bench/results/subs-latest"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/bench-subs.XXXXXX")"
RUN_ID="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
DB_NAME="fedstack_subsbench_$RUN_ID"
LIMIT_PREFIX="bench:$RUN_ID"
DB_CREATED=0

# --- process handling -------------------------------------------------------------------
PIDS=()
stop_group() { # stop_group <pid>: TERM the process group led by pid, KILL it after 10 s
  local pid="$1"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
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
    # Rate-limit keys, and the change logs of this run's users (todos:changes:<user id>).
    redis-cli -u "$REDIS_URL" --scan --pattern "$LIMIT_PREFIX:*" 2>/dev/null \
      | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
    if [[ -s "$TMP/user-ids" ]]; then
      sed 's/^/todos:changes:/' "$TMP/user-ids" | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
    fi
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
log "building subbench, auth, todos and the router into $TMP/bin ..."
mkdir -p "$TMP/bin" "$TMP/ferretdb"
go build -o "$TMP/bin/" ./bench/cmd/subbench ./subgraphs/auth/cmd/auth ./subgraphs/ai/cmd/ai ./subgraphs/todos/cmd/todos ./router/cmd/router

createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$DB_NAME" || die "could not create the database $DB_NAME"
DB_CREATED=1
log "database $DB_NAME; rate-limit prefix $LIMIT_PREFIX; ports auth $AUTH_PORT, todos $TODOS_PORT, router $ROUTER_PORT (pprof $PPROF_PORT)"

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
  PPROF_ADDR="127.0.0.1:$PPROF_PORT" \
  SUBGRAPH_AUTH_URL="http://127.0.0.1:$AUTH_PORT/graphql" \
  SUBGRAPH_AI_URL="http://127.0.0.1:$AI_PORT/graphql" SUBGRAPH_AI_WS_URL="ws://127.0.0.1:$AI_PORT/graphql" \
  SUBGRAPH_TODOS_URL="http://127.0.0.1:$TODOS_PORT/graphql" \
  SUBGRAPH_TODOS_WS_URL="ws://127.0.0.1:$TODOS_PORT/graphql"
ROUTER_PID=$LAST_PID
wait_ready router "$ROUTER_PID" "http://127.0.0.1:$ROUTER_PORT/ready" 60
wait_ready router "$ROUTER_PID" "http://127.0.0.1:$PPROF_PORT/debug/pprof/" 10

# --- measure ----------------------------------------------------------------------------------
rc=0
"$TMP/bin/subbench" -url "http://127.0.0.1:$ROUTER_PORT/graphql" \
  -router-pid "$ROUTER_PID" -todos-pid "$TODOS_PID" -pprof "127.0.0.1:$PPROF_PORT" \
  -users "$USERS" -tokens-per-user "$TOKENS_PER_USER" -steps "$STEPS" -workers "$WORKERS" -budget "$BUDGET" -max-rss-mb "$MAX_RSS_MB" \
  -overshoot "$OVERSHOOT" -latency-subs "$LATENCY_SUBS" -writes "$WRITES" -write-rate "$WRITE_RATE" \
  -profiles "$OUT/profiles" -out "$OUT/results.jsonl" \
  >"$OUT/subbench.md" 2> >(tee "$OUT/subbench.log" >&2) || rc=$?

# The users' change logs in Redis are removed at exit; find their ids while auth still runs.
if command -v psql >/dev/null; then
  psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -XAtc 'select id from users' "$DB_NAME" >"$TMP/user-ids" 2>/dev/null || true
fi

VERSION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")"
if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]]; then VERSION="$VERSION+changes"; fi
CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
MEM_GB="$(free -g | awk '/^Mem:/ {print $2}')"
REDIS_VERSION="$( (redis-cli -u "$REDIS_URL" info server 2>/dev/null || true) | awk -F: '/^redis_version/ {print $2}' | tr -d '\r')"
EMFILE="$(grep -c 'too many open files' "$OUT/router.log" 2>/dev/null || true)"
{
  echo "Subscription benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $VERSION, $(go env GOVERSION)"
  echo "Machine: $(nproc) cores ($CPU_MODEL), ${MEM_GB} GiB memory, ${BUSY_BEFORE}% busy before the start; nothing pinned: load generator, router, auth, todos, PostgreSQL and Redis ${REDIS_VERSION:-?} share the cores"
  echo "Open-files limit of every process: $NOFILE (hard $NOFILE_HARD); ip_local_port_range $(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range); somaxconn $(cat /proc/sys/net/core/somaxconn)"
  echo "Router log lines with \"too many open files\": ${EMFILE:-0}"
  echo
  cat "$OUT/subbench.md"
} >"$OUT/table.md"
cat "$OUT/table.md"
echo
echo "raw results: ${OUT#"$ROOT/"}/results.jsonl; router profiles: ${OUT#"$ROOT/"}/profiles/"
case "$rc" in
  0) ;;
  1) log "FAILED: the latency phase lost deliveries or writes (see above and $OUT)"; exit 1 ;;
  *) die "FAILED: the benchmark could not be done (exit $rc; see $OUT/subbench.log and the service logs in $OUT)" ;;
esac
