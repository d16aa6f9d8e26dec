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

BENCH=bench-auth DIE_STATUS=1
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # sets ROOT, the repository, and runs from there

DURATION="${BENCH_AUTH_DURATION:-20s}"
LOGIN_RATE="${BENCH_AUTH_LOGIN_RATE:-10}"
REFRESH_RATE="${BENCH_AUTH_REFRESH_RATE:-500}"
ME_RATE="${BENCH_AUTH_ME_RATE:-500}"
BURST="${BENCH_AUTH_BURST:-100}"
USERS="${BENCH_AUTH_USERS:-20}"

check_prerequisites

free_port AUTH_PORT AI_PORT TODOS_PORT ROUTER_PORT

new_run auth
DB_NAME="fedstack_authbench_$RUN_ID"

# --- build, database ----------------------------------------------------------------------
log "building authbench, auth, todos and the router into $TMP/bin ..."
mkdir -p "$TMP/bin"
go build -o "$TMP/bin/" ./bench/cmd/authbench ./subgraphs/auth/cmd/auth ./subgraphs/ai/cmd/ai ./subgraphs/todos/cmd/todos ./router/cmd/router

create_db "$DB_NAME"
log "database $DB_NAME; rate-limit prefix $LIMIT_PREFIX; ports auth $AUTH_PORT, todos $TODOS_PORT, router $ROUTER_PORT"

# --- how busy the machine is before we start ----------------------------------------------
measure_busy_before

# --- the stack ------------------------------------------------------------------------------
start_todos_stack

# --- measure ----------------------------------------------------------------------------------
rc=0
"$TMP/bin/authbench" -url "http://127.0.0.1:$ROUTER_PORT/graphql" \
  -auth-pid "$AUTH_PID" -router-pid "$ROUTER_PID" -users "$USERS" \
  -login-rate "$LOGIN_RATE" -login-duration "$DURATION" \
  -refresh-rate "$REFRESH_RATE" -refresh-duration "$DURATION" \
  -me-rate "$ME_RATE" -me-duration "$DURATION" -burst "$BURST" \
  -out "$OUT/results.jsonl" >"$OUT/authbench.md" 2> >(tee "$OUT/authbench.log" >&2) || rc=$?

{
  describe_run "Identity benchmark" "load generator, router, auth, todos, PostgreSQL $(pg_version) and Redis $(redis_version)"
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
