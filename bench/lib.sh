# bench/lib.sh: what the run-*-bench.sh scripts share: checks, free ports, the run's
# directories, starting the stack's services and waiting for them, cleaning up at exit,
# and the lines that describe the machine. Sourced (not run) by each script once it set
#   BENCH       the name its log lines start with (bench-ai, bench-subs, bench-auth)
#   DIE_STATUS  the exit status of die: the script's "the run could not be done"
# It sets ROOT, the repository, and changes to it. PostgreSQL and Redis come from PGHOST,
# PGPORT, PGUSER (default 127.0.0.1, 5432, postgres; trust auth) and REDIS_URL (default
# redis://127.0.0.1:6379/0).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
PG_USER="${PGUSER:-postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

# COMMON_ENV: the environment of every service of the stack.
COMMON_ENV=(APP_ENV=development LOG_LEVEL=warn REDIS_URL="$REDIS_URL")

log() { printf '%s %s: %s\n' "$(date +%H:%M:%S)" "$BENCH" "$*" >&2; }
die() { log "$*"; exit "$DIE_STATUS"; }

answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; } # answers <host> <port>: something listens

# check_prerequisites: the tools the run needs are here, PostgreSQL and Redis answer.
check_prerequisites() {
  local cmd redis_hostport redis_host redis_port
  for cmd in go curl createdb dropdb setsid; do
    command -v "$cmd" >/dev/null || die "$cmd is required"
  done
  redis_hostport="${REDIS_URL#redis://}"; redis_hostport="${redis_hostport%%/*}"; redis_hostport="${redis_hostport##*@}"
  redis_host="${redis_hostport%%:*}"; redis_port="${redis_hostport##*:}"
  [[ "$redis_port" != "$redis_host" ]] || redis_port=6379
  answers "$PG_HOST" "$PG_PORT" || die "PostgreSQL does not answer at $PG_HOST:$PG_PORT (start it, or set PGHOST/PGPORT)"
  answers "$redis_host" "$redis_port" || die "Redis does not answer at $redis_host:$redis_port (start it, or set REDIS_URL)"
}

# free_port <var>...: sets each variable to a port nothing listens on at 127.0.0.1, from
# 20000-31999 (below the kernel's usual ephemeral ports, which the load generators' own
# connections take), none handed out twice in a run.
TAKEN=" "
free_port() {
  local var p
  for var in "$@"; do
    for _ in $(seq 200); do
      p=$((20000 + RANDOM % 12000))
      if [[ "$TAKEN" != *" $p "* ]] && ! answers 127.0.0.1 "$p"; then
        TAKEN+="$p "
        printf -v "$var" '%s' "$p"
        continue 2
      fi
    done
    die "found no free port on 127.0.0.1"
  done
}

# new_run <kind>: the run's results directory OUT, bench/results/<kind>-<UTC time>
# (bench/results/<kind>-latest points at it), its temporary directory TMP, its RUN_ID and
# LIMIT_PREFIX (bench:<RUN_ID>, the services' rate-limit and cache keys). From here on,
# cleanup runs at exit.
new_run() {
  local kind="$1" stamp
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  OUT="$ROOT/bench/results/$kind-$stamp"
  mkdir -p "$OUT"
  ln -sfn "$kind-$stamp" "$ROOT/bench/results/$kind-latest"
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/bench-$kind.XXXXXX")"
  RUN_ID="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  LIMIT_PREFIX="bench:$RUN_ID"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# --- what cleanup undoes ---------------------------------------------------------------------
PIDS=()      # processes started, each leading its process group; stopped last first
DBS=()       # databases dropped
KEY_LISTS=() # pairs <file> <prefix>: the Redis keys <prefix><line> of each line of the file are deleted

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
  local i db
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_group "${PIDS[$i]}"; done
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS_URL" --scan --pattern "$LIMIT_PREFIX:*" 2>/dev/null \
      | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
    for ((i = 0; i + 1 < ${#KEY_LISTS[@]}; i += 2)); do
      if [[ -s "${KEY_LISTS[$i]}" ]]; then
        awk -v p="${KEY_LISTS[$((i + 1))]}" '{ print p $0 }' "${KEY_LISTS[$i]}" \
          | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
      fi
    done
  fi
  for db in "${DBS[@]}"; do
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$db" 2>>"$OUT/cleanup.log" \
      || log "could not drop the database $db (see $OUT/cleanup.log); drop it by hand"
  done
  rm -rf "$TMP"
}

create_db() { # create_db <name>: a new database, dropped at exit
  createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$1" || die "could not create the database $1"
  DBS+=("$1")
}

# --- services --------------------------------------------------------------------------------
start() { # start <name> env...: runs "$TMP/bin/<name>" in its own process group; LAST_PID
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

jwks_url() { echo "http://127.0.0.1:$AUTH_PORT/.well-known/jwks.json"; }
db_url() { echo "postgres://$PG_USER@$PG_HOST:$PG_PORT/$1?sslmode=disable"; } # db_url <database>

# start_auth <database>: the auth subgraph on AUTH_PORT; all load comes from 127.0.0.1, so
# its per-IP login and signup limits are raised. Sets AUTH_PID.
start_auth() {
  start auth "${COMMON_ENV[@]}" PORT="$AUTH_PORT" DATABASE_URL="$(db_url "$1")" \
    RATE_LIMIT_PREFIX="$LIMIT_PREFIX" LOGIN_LIMIT_PER_IP=1000000 SIGNUP_LIMIT_PER_IP=1000000
  AUTH_PID=$LAST_PID
}

# start_router [env...]: the router on ROUTER_PORT, composing supergraph.yaml from the
# subgraphs on AUTH_PORT, AI_PORT and TODOS_PORT, with env added. Sets ROUTER_PID.
start_router() {
  start router "${COMMON_ENV[@]}" PORT="$ROUTER_PORT" JWKS_URL="$(jwks_url)" SUPERGRAPH_CONFIG="$ROOT/supergraph.yaml" \
    SUBGRAPH_AUTH_URL="http://127.0.0.1:$AUTH_PORT/graphql" \
    SUBGRAPH_AI_URL="http://127.0.0.1:$AI_PORT/graphql" SUBGRAPH_AI_WS_URL="ws://127.0.0.1:$AI_PORT/graphql" \
    SUBGRAPH_TODOS_URL="http://127.0.0.1:$TODOS_PORT/graphql" \
    SUBGRAPH_TODOS_WS_URL="ws://127.0.0.1:$TODOS_PORT/graphql" \
    "$@"
  ROUTER_PID=$LAST_PID
}

# start_todos_stack [router env...]: auth (database DB_NAME), todos (FerretDB on SQLite in
# TMP) and the router, each ready. The router composes every subgraph of supergraph.yaml
# and is ready only when all answer: the ai subgraph runs too (offline model, its own
# database DB_NAME_ai, which it creates; dropped at exit). Sets AUTH_PID, AI_PID,
# TODOS_PID and ROUTER_PID.
start_todos_stack() {
  log "starting auth, todos and the router ..."
  start_auth "$DB_NAME"
  DBS+=("${DB_NAME}_ai")
  start ai "${COMMON_ENV[@]}" PORT="$AI_PORT" JWKS_URL="$(jwks_url)" \
    DATABASE_URL="$(db_url "${DB_NAME}_ai")" RATE_LIMIT_PREFIX="$LIMIT_PREFIX"
  AI_PID=$LAST_PID
  mkdir -p "$TMP/ferretdb"
  start todos "${COMMON_ENV[@]}" PORT="$TODOS_PORT" JWKS_URL="$(jwks_url)" FERRETDB_SQLITE_DIR="$TMP/ferretdb"
  TODOS_PID=$LAST_PID
  wait_ready auth "$AUTH_PID" "http://127.0.0.1:$AUTH_PORT/ready" 60
  wait_ready ai "$AI_PID" "http://127.0.0.1:$AI_PORT/ready" 60
  wait_ready todos "$TODOS_PID" "http://127.0.0.1:$TODOS_PORT/ready" 90
  start_router "$@"
  wait_ready router "$ROUTER_PID" "http://127.0.0.1:$ROUTER_PORT/ready" 60
}

# --- the machine -----------------------------------------------------------------------------
# measure_busy_before: BUSY_BEFORE, how busy (%) all CPUs were over one second, with a
# warning above 20 %.
measure_busy_before() {
  local t0 i0 t1 i1
  read -r t0 i0 < <(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 1
  read -r t1 i1 < <(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)
  BUSY_BEFORE=$(( (t1 - t0) > 0 ? 100 * ((t1 - t0) - (i1 - i0)) / (t1 - t0) : 0 ))
  if ((BUSY_BEFORE > 20)); then
    log "WARNING: the machine was ${BUSY_BEFORE}% busy before the benchmark started; expect noisy numbers"
  fi
}

pg_version() { # the server's version ("15.2 (Debian 15.2-1)"), or ?
  local v
  v="$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -XAtc 'show server_version' postgres 2>/dev/null || true)"
  echo "${v:-?}"
}
redis_version() { # the server's version, or ?
  local v
  v="$( (redis-cli -u "$REDIS_URL" info server 2>/dev/null || true) | awk -F: '/^redis_version/ {print $2}' | tr -d '\r')"
  echo "${v:-?}"
}

# describe_run <title> <what shares the cores>: the first two lines of a results table:
# the run (date, commit, +changes when the tree differs from it, Go) and the machine.
describe_run() {
  local version cpu_model mem_gb
  version="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")"
  if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]]; then version="$version+changes"; fi
  cpu_model="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  mem_gb="$(free -g | awk '/^Mem:/ {print $2}')"
  echo "$1, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $version, $(go env GOVERSION)"
  echo "Machine: $(nproc) cores ($cpu_model), ${mem_gb} GiB memory, ${BUSY_BEFORE}% busy before the start; nothing pinned: $2 share the cores"
}
