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

BENCH=bench-subs DIE_STATUS=2
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # sets ROOT, the repository, and runs from there

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

check_prerequisites

# Open files: every subscriber is a socket in the router and one in the load generator.
NOFILE_SOFT_BEFORE="$(ulimit -Sn)"
NOFILE_HARD="$(ulimit -Hn)"
ulimit -Sn "$NOFILE_HARD" 2>/dev/null || log "could not raise the open-files limit from $NOFILE_SOFT_BEFORE to $NOFILE_HARD"
NOFILE="$(ulimit -Sn)"
log "open-files limit: $NOFILE (soft was $NOFILE_SOFT_BEFORE, hard $NOFILE_HARD); the router can hold about that many connections"

free_port AUTH_PORT AI_PORT TODOS_PORT ROUTER_PORT PPROF_PORT

new_run subs
mkdir -p "$OUT/profiles"
DB_NAME="fedstack_subsbench_$RUN_ID"
# The change logs of this run's users in Redis (todos:changes:<user id>), listed once
# subbench is done.
KEY_LISTS+=("$TMP/user-ids" "todos:changes:")

# --- build, database ----------------------------------------------------------------------
log "building subbench, auth, todos and the router into $TMP/bin ..."
mkdir -p "$TMP/bin"
go build -o "$TMP/bin/" ./bench/cmd/subbench ./subgraphs/auth/cmd/auth ./subgraphs/ai/cmd/ai ./subgraphs/todos/cmd/todos ./router/cmd/router

create_db "$DB_NAME"
log "database $DB_NAME; rate-limit prefix $LIMIT_PREFIX; ports auth $AUTH_PORT, todos $TODOS_PORT, router $ROUTER_PORT (pprof $PPROF_PORT)"

# --- how busy the machine is before we start ----------------------------------------------
measure_busy_before

# --- the stack ------------------------------------------------------------------------------
start_todos_stack PPROF_ADDR="127.0.0.1:$PPROF_PORT"
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

EMFILE="$(grep -c 'too many open files' "$OUT/router.log" 2>/dev/null || true)"
{
  describe_run "Subscription benchmark" "load generator, router, auth, todos, PostgreSQL and Redis $(redis_version)"
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
