#!/usr/bin/env bash
# make bench-ai: the AI streaming benchmark of issue 6. How much time our stack (the router,
# the ai subgraph, Redis and PostgreSQL) adds to a streamed chat answer, with 1 and with 50
# chats at once. bench/cmd/aibench runs the model provider (a local OpenAI-protocol server
# with a fixed time to first token and chunk interval) and the clients in one process, so
# the model's times and the client's receive times are read from the same clock; see
# bench/cmd/aibench/main.go and docs/benchmarks.md. About a minute.
#
# Order: aibench starts first and serves the model on a free port (the ai subgraph lists
# the provider's models when it starts), then auth, ai (LLM_BASE_URL at aibench) and the
# router start on free ports with fresh PostgreSQL databases for auth and ai; once all are
# ready this script writes the ready file aibench waits for (with the router's and the ai
# subgraph's process ids), and aibench measures.
#
# Settings (environment):
#   BENCH_AI_TTFT            the model's time to first token (default 200ms)
#   BENCH_AI_CHUNK_INTERVAL  the model's time between chunks (default 20ms)
#   BENCH_AI_CHUNKS          chunks per answer (default 40)
#   BENCH_AI_USERS           users signed up, one websocket each (default 50)
#   BENCH_AI_SEQUENTIAL      measured chats one at a time (default 20)
#   BENCH_AI_CONCURRENCY     chats at once in the concurrent phase (default 50, at most the users)
#   BENCH_AI_ROUNDS          measured rounds of BENCH_AI_CONCURRENCY chats sent at the same moment
#                            (default 3; one more first, not measured)
#   BENCH_AI_STAGGERED       then: chats in a row per user with BENCH_AI_CONCURRENCY users in flight,
#                            their starts spread evenly (default 4; the first and last of each user
#                            are not measured; 0 skips this phase)
#   PGHOST PGPORT PGUSER     PostgreSQL (default 127.0.0.1, 5432, postgres; trust auth)
#   REDIS_URL                Redis (default redis://127.0.0.1:6379/0)
#
# All load comes from 127.0.0.1, so the auth service's per-IP signup limit is raised, the
# ai service's per-user message and token limits are off (0), titles are not generated (no
# extra model requests), and the limit and cache keys get a prefix of their own
# (RATE_LIMIT_PREFIX=bench:<random>). The databases, those keys and the answers' stream logs
# in Redis (ai:msg:<message id>) are removed at the end.
#
# Output: the tables on stdout; the JSON lines, the tables and every log in
# bench/results/ai-<UTC time>/ (bench/results/ai-latest points at the newest). Exit status 1
# when chats failed, 2 when the run could not be done.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TTFT="${BENCH_AI_TTFT:-200ms}"
CHUNK_INTERVAL="${BENCH_AI_CHUNK_INTERVAL:-20ms}"
CHUNKS="${BENCH_AI_CHUNKS:-40}"
USERS="${BENCH_AI_USERS:-50}"
SEQUENTIAL="${BENCH_AI_SEQUENTIAL:-20}"
CONCURRENCY="${BENCH_AI_CONCURRENCY:-50}"
ROUNDS="${BENCH_AI_ROUNDS:-3}"
STAGGERED="${BENCH_AI_STAGGERED:-4}"
PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
PG_USER="${PGUSER:-postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
MODEL="aibench-model"

log() { printf '%s bench-ai: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
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
if ! grep -q 'name: ai' supergraph.yaml; then
  die "supergraph.yaml does not list the ai subgraph; the router would not serve sendMessage"
fi

# free_port: a port nothing listens on, from the ephemeral-looking range, not handed out twice.
TAKEN=" "
# BENCH_AI_PROFILE=<seconds>: CPU profiles of ai and the router over that many seconds of
# the measurement, saved as ai.cpu.pprof and router.cpu.pprof with the results.
PROFILE="${BENCH_AI_PROFILE:-}"
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
ROUTER_PORT="$(free_port)"
AI_PPROF_PORT="$(free_port)"
ROUTER_PPROF_PORT="$(free_port)"
MODEL_PORT="$(free_port)"
TODOS_PORT="$(free_port)" # nothing listens there: the benchmark's operations never reach todos

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/ai-$STAMP"
mkdir -p "$OUT"
ln -sfn "ai-$STAMP" "$ROOT/bench/results/ai-latest"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/bench-ai.XXXXXX")"
RUN_ID="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
AUTH_DB="fedstack_aibench_auth_$RUN_ID"
AI_DB="fedstack_aibench_ai_$RUN_ID"
LIMIT_PREFIX="bench:$RUN_ID"
DBS=()

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
  local i db
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_group "${PIDS[$i]}"; done
  if command -v redis-cli >/dev/null; then
    # Limit and cache keys, and the answers' stream logs (ai:msg:<message id>).
    redis-cli -u "$REDIS_URL" --scan --pattern "$LIMIT_PREFIX:*" 2>/dev/null \
      | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
    if [[ -s "$TMP/message-ids" ]]; then
      sed 's/^/ai:msg:/' "$TMP/message-ids" | xargs -r -n 100 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
    fi
  fi
  for db in "${DBS[@]}"; do
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$db" 2>>"$OUT/cleanup.log" \
      || log "could not drop the database $db (see $OUT/cleanup.log); drop it by hand"
  done
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

# --- build, databases -----------------------------------------------------------------------
log "building aibench, auth, ai and the router into $TMP/bin ..."
mkdir -p "$TMP/bin"
go build -o "$TMP/bin/" ./bench/cmd/aibench ./subgraphs/auth/cmd/auth ./subgraphs/ai/cmd/ai ./router/cmd/router \
  || die "the build failed"

for db in "$AUTH_DB" "$AI_DB"; do
  createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$db" || die "could not create the database $db"
  DBS+=("$db")
done
log "databases $AUTH_DB and $AI_DB; key prefix $LIMIT_PREFIX; ports auth $AUTH_PORT, ai $AI_PORT, router $ROUTER_PORT, model $MODEL_PORT"

# --- how busy the machine is before we start ----------------------------------------------
cpu_times() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
read -r t0 i0 < <(cpu_times); sleep 1; read -r t1 i1 < <(cpu_times)
BUSY_BEFORE=$(( (t1 - t0) > 0 ? 100 * ((t1 - t0) - (i1 - i0)) / (t1 - t0) : 0 ))
if ((BUSY_BEFORE > 20)); then
  log "WARNING: the machine was ${BUSY_BEFORE}% busy before the benchmark started; expect noisy numbers"
fi

# --- the model provider (aibench), then the stack -------------------------------------------
READY="$TMP/stack-ready"
setsid "$TMP/bin/aibench" -url "http://127.0.0.1:$ROUTER_PORT/graphql" \
  -provider-addr "127.0.0.1:$MODEL_PORT" -model "$MODEL" -ready-file "$READY" -ready-timeout 3m \
  -ttft "$TTFT" -chunk-interval "$CHUNK_INTERVAL" -chunks "$CHUNKS" -users "$USERS" \
  -sequential "$SEQUENTIAL" -concurrency "$CONCURRENCY" -rounds "$ROUNDS" -staggered-chats "$STAGGERED" \
  -out "$OUT/results.jsonl" >"$OUT/aibench.md" 2>"$OUT/aibench.log" &
AIBENCH_PID=$!
PIDS+=("$AIBENCH_PID")
for _ in $(seq 100); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$MODEL_PORT/v1/models" 2>/dev/null && break
  kill -0 "$AIBENCH_PID" 2>/dev/null || { cat "$OUT/aibench.log" >&2; die "aibench stopped while starting its model provider"; }
  sleep 0.1
done
curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$MODEL_PORT/v1/models" || die "aibench's model provider does not answer on port $MODEL_PORT"

JWKS="http://127.0.0.1:$AUTH_PORT/.well-known/jwks.json"
COMMON=(APP_ENV=development LOG_LEVEL=warn REDIS_URL="$REDIS_URL" RATE_LIMIT_PREFIX="$LIMIT_PREFIX")
NO_AI_LIMITS=()
for role in USER PRO ADMIN; do NO_AI_LIMITS+=("AI_${role}_MESSAGES_PER_MINUTE=0" "AI_${role}_TOKENS_PER_DAY=0"); done
log "starting auth, ai and the router ..."
start auth "${COMMON[@]}" PORT="$AUTH_PORT" \
  DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$AUTH_DB?sslmode=disable" \
  LOGIN_LIMIT_PER_IP=1000000 SIGNUP_LIMIT_PER_IP=1000000
AUTH_PID=$LAST_PID
start ai "${COMMON[@]}" PORT="$AI_PORT" JWKS_URL="$JWKS" \
  DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$AI_DB?sslmode=disable" \
  LLM_BASE_URL="http://127.0.0.1:$MODEL_PORT/v1" AI_DEFAULT_MODEL="$MODEL" AI_TITLES=false \
  AI_WORKERS=$((CONCURRENCY + 14)) AI_QUEUE=256 "${NO_AI_LIMITS[@]}" ${PROFILE:+PPROF_ADDR=127.0.0.1:$AI_PPROF_PORT}
AI_PID=$LAST_PID
wait_ready auth "$AUTH_PID" "http://127.0.0.1:$AUTH_PORT/ready" 60
wait_ready ai "$AI_PID" "http://127.0.0.1:$AI_PORT/ready" 60
start router "${COMMON[@]}" PORT="$ROUTER_PORT" JWKS_URL="$JWKS" SUPERGRAPH_CONFIG="$ROOT/supergraph.yaml" \
  ${PROFILE:+PPROF_ADDR=127.0.0.1:$ROUTER_PPROF_PORT} \
  SUBGRAPH_AUTH_URL="http://127.0.0.1:$AUTH_PORT/graphql" \
  SUBGRAPH_AI_URL="http://127.0.0.1:$AI_PORT/graphql" \
  SUBGRAPH_AI_WS_URL="ws://127.0.0.1:$AI_PORT/graphql" \
  SUBGRAPH_TODOS_URL="http://127.0.0.1:$TODOS_PORT/graphql" \
  SUBGRAPH_TODOS_WS_URL="ws://127.0.0.1:$TODOS_PORT/graphql"
ROUTER_PID=$LAST_PID
# The router's /ready also asks the todos subgraph, which does not run here: wait until
# every other check (Redis, the composed supergraph, auth and ai) passes.
router_ready() {
  local body check
  body="$(curl -sS --max-time 3 "http://127.0.0.1:$ROUTER_PORT/ready" 2>/dev/null)" || return 1
  for check in redis supergraph "subgraph auth" "subgraph ai"; do
    grep -Eq "\"$check\": *\"ok\"" <<<"$body" || return 1
  done
}
for _ in $(seq 600); do
  kill -0 "$ROUTER_PID" 2>/dev/null || { tail -30 "$OUT/router.log" >&2; die "the router stopped while starting (log: $OUT/router.log)"; }
  router_ready && break
  sleep 0.1
done
router_ready || {
  tail -30 "$OUT/router.log" >&2
  die "the router was not ready within 60s: $(curl -sS --max-time 3 "http://127.0.0.1:$ROUTER_PORT/ready" 2>&1)"
}
kill -0 "$AIBENCH_PID" 2>/dev/null || { cat "$OUT/aibench.log" >&2; die "aibench stopped before the stack was ready"; }

# --- measure ----------------------------------------------------------------------------------
printf 'ROUTER_PID=%d\nAI_PID=%d\n' "$ROUTER_PID" "$AI_PID" >"$READY.tmp" && mv "$READY.tmp" "$READY"
log "stack ready; aibench measures (progress in $OUT/aibench.log) ..."
tail -n +1 -f "$OUT/aibench.log" --pid "$AIBENCH_PID" >&2 &
TAIL_PID=$!
if [[ -n "$PROFILE" ]]; then # CPU profiles of ai and the router over the measured phases
  curl -fsS -o "$OUT/ai.cpu.pprof" "http://127.0.0.1:$AI_PPROF_PORT/debug/pprof/profile?seconds=$PROFILE" &
  curl -fsS -o "$OUT/router.cpu.pprof" "http://127.0.0.1:$ROUTER_PPROF_PORT/debug/pprof/profile?seconds=$PROFILE" &
fi
rc=0
wait "$AIBENCH_PID" || rc=$?
wait "$TAIL_PID" 2>/dev/null || true

# The answers' stream logs in Redis are removed at exit; find their ids while the database exists.
if command -v psql >/dev/null; then
  psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -XAtc 'select id from messages' "$AI_DB" >"$TMP/message-ids" 2>/dev/null || true
fi

VERSION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")"
if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]]; then VERSION="$VERSION+changes"; fi
CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
MEM_GB="$(free -g | awk '/^Mem:/ {print $2}')"
REDIS_VERSION="$( (redis-cli -u "$REDIS_URL" info server 2>/dev/null || true) | awk -F: '/^redis_version/ {print $2}' | tr -d '\r')"
PG_VERSION="$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -XAtc 'show server_version' postgres 2>/dev/null | cut -d' ' -f1 || true)"
{
  echo "AI streaming benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $VERSION, $(go env GOVERSION)"
  echo "Machine: $(nproc) cores ($CPU_MODEL), ${MEM_GB} GiB memory, ${BUSY_BEFORE}% busy before the start; nothing pinned: aibench (model and clients), router, auth, ai, PostgreSQL ${PG_VERSION:-?} and Redis ${REDIS_VERSION:-?} share the cores"
  echo
  cat "$OUT/aibench.md"
} >"$OUT/table.md"
cat "$OUT/table.md"
echo
echo "raw results: ${OUT#"$ROOT/"}/results.jsonl; logs: ${OUT#"$ROOT/"}/"
case "$rc" in
  0) ;;
  1) log "FAILED: chats failed (see above and $OUT)"; exit 1 ;;
  *) die "FAILED: the benchmark could not be done (exit $rc; see $OUT/aibench.log and the service logs in $OUT)" ;;
esac
