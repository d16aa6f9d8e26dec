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

BENCH=bench-ai DIE_STATUS=2
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # sets ROOT, the repository, and runs from there

TTFT="${BENCH_AI_TTFT:-200ms}"
CHUNK_INTERVAL="${BENCH_AI_CHUNK_INTERVAL:-20ms}"
CHUNKS="${BENCH_AI_CHUNKS:-40}"
USERS="${BENCH_AI_USERS:-50}"
SEQUENTIAL="${BENCH_AI_SEQUENTIAL:-20}"
CONCURRENCY="${BENCH_AI_CONCURRENCY:-50}"
ROUNDS="${BENCH_AI_ROUNDS:-3}"
STAGGERED="${BENCH_AI_STAGGERED:-4}"
MODEL="aibench-model"
# BENCH_AI_PROFILE=<seconds>: CPU profiles of ai and the router over that many seconds of
# the measurement, saved as ai.cpu.pprof and router.cpu.pprof with the results.
PROFILE="${BENCH_AI_PROFILE:-}"

check_prerequisites
if ! grep -q 'name: ai' supergraph.yaml; then
  die "supergraph.yaml does not list the ai subgraph; the router would not serve sendMessage"
fi

free_port AUTH_PORT AI_PORT ROUTER_PORT AI_PPROF_PORT ROUTER_PPROF_PORT MODEL_PORT
free_port TODOS_PORT # nothing listens there: the benchmark's operations never reach todos

new_run ai
AUTH_DB="fedstack_aibench_auth_$RUN_ID"
AI_DB="fedstack_aibench_ai_$RUN_ID"
# The answers' stream logs in Redis (ai:msg:<message id>), listed once aibench is done.
KEY_LISTS+=("$TMP/message-ids" "ai:msg:")

# --- build, databases -----------------------------------------------------------------------
log "building aibench, auth, ai and the router into $TMP/bin ..."
mkdir -p "$TMP/bin"
go build -o "$TMP/bin/" ./bench/cmd/aibench ./subgraphs/auth/cmd/auth ./subgraphs/ai/cmd/ai ./router/cmd/router \
  || die "the build failed"

create_db "$AUTH_DB"
create_db "$AI_DB"
log "databases $AUTH_DB and $AI_DB; key prefix $LIMIT_PREFIX; ports auth $AUTH_PORT, ai $AI_PORT, router $ROUTER_PORT, model $MODEL_PORT"

# --- how busy the machine is before we start ----------------------------------------------
measure_busy_before

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

NO_AI_LIMITS=()
for role in USER PRO ADMIN; do NO_AI_LIMITS+=("AI_${role}_MESSAGES_PER_MINUTE=0" "AI_${role}_TOKENS_PER_DAY=0"); done
log "starting auth, ai and the router ..."
start_auth "$AUTH_DB"
start ai "${COMMON_ENV[@]}" RATE_LIMIT_PREFIX="$LIMIT_PREFIX" PORT="$AI_PORT" JWKS_URL="$(jwks_url)" \
  DATABASE_URL="$(db_url "$AI_DB")" \
  LLM_BASE_URL="http://127.0.0.1:$MODEL_PORT/v1" AI_DEFAULT_MODEL="$MODEL" AI_TITLES=false \
  AI_WORKERS=$((CONCURRENCY + 14)) AI_QUEUE=256 "${NO_AI_LIMITS[@]}" ${PROFILE:+PPROF_ADDR=127.0.0.1:$AI_PPROF_PORT}
AI_PID=$LAST_PID
wait_ready auth "$AUTH_PID" "http://127.0.0.1:$AUTH_PORT/ready" 60
wait_ready ai "$AI_PID" "http://127.0.0.1:$AI_PORT/ready" 60
start_router RATE_LIMIT_PREFIX="$LIMIT_PREFIX" ${PROFILE:+PPROF_ADDR=127.0.0.1:$ROUTER_PPROF_PORT}
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

{
  describe_run "AI streaming benchmark" \
    "aibench (model and clients), router, auth, ai, PostgreSQL $(pg_version | cut -d' ' -f1) and Redis $(redis_version)"
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
