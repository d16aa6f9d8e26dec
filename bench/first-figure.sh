#!/usr/bin/env bash
# A first router figure: requests/s of a cross-subgraph query through the router, beside
# the same data fetched straight from the two subgraphs (the todos query, then the owners'
# _entities at auth), with the same load tool (wrk), on this machine, in one run.
# The full benchmark harness against peer gateways comes with `make bench`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get install -y -qq wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null); }

duration="${BENCH_DURATION:-10s}"
conns="${BENCH_CONNECTIONS:-32}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export STACK_ROUTER_PORT=$(free_port) STACK_AUTH_PORT=$(free_port) STACK_AI_PORT=$(free_port) STACK_TODOS_PORT=$(free_port)
export STACK_NO_WEB=1 STACK_DATA_DIR="$(mktemp -d)" STACK_DB_NAME="fedstack_bench_$$" LOG_LEVEL=warn
secret=fedstack-dev-internal-secret
work="$STACK_DATA_DIR"

scripts/stack.sh >"$work/stack.log" 2>&1 &
stack=$!
trap 'kill -TERM $stack 2>/dev/null; wait $stack 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $STACK_DB_NAME WITH (FORCE)" -c "DROP DATABASE IF EXISTS ${STACK_DB_NAME}_ai WITH (FORCE)" >/dev/null 2>&1; rm -rf "$work"' EXIT
for i in $(seq 1 300); do grep -q '^open' "$work/stack.log" && break; sleep 0.5; done
grep -q '^open' "$work/stack.log" || { cat "$work/stack.log"; exit 1; }

router="http://127.0.0.1:$STACK_ROUTER_PORT/graphql"
gql() { curl -fsS -H 'Content-Type: application/json' ${2:+-H "Authorization: Bearer $2"} -d "$1" "$router"; }
# Many users, so the router's deduplication of identical in-flight fetches (per caller)
# does not flatter it: each request goes as a different user, round robin.
users="${BENCH_USERS:-32}"
tokens=(); ids=()
for u in $(seq 1 "$users"); do
  t=$(gql "{\"query\":\"mutation { signup(input: {email: \\\"bench$u@example.com\\\", password: \\\"benchmark-password\\\", name: \\\"Bench $u\\\"}) { accessToken user { id } } }\"}" | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]["signup"]; print(d["accessToken"], d["user"]["id"])')
  tokens+=("${t% *}"); ids+=("${t#* }")
  for i in $(seq 1 10); do gql "{\"query\":\"mutation { addTodo(input: {title: \\\"todo $i\\\"}) { id } }\"}" "${t% *}" >/dev/null; done
done
token="${tokens[0]}"

ts=$(date +%s)
sig="$ts.$(printf '%s' "$ts" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')"

lua() { # body extra-headers... ; rotates Authorization over all users
  local f; f=$(mktemp --suffix=.lua)
  {
    echo 'wrk.method = "POST"'
    printf 'wrk.body = [[%s]]\n' "$1"
    shift
    echo 'wrk.headers["Content-Type"] = "application/json"'
    for h in "$@"; do printf 'wrk.headers["%s"] = "%s"\n' "${h%%:*}" "${h#*: }"; done
    printf 'tokens = {'; for t in "${tokens[@]}"; do printf '"%s",' "$t"; done; echo '}'
    echo 'n = 0'
    echo 'request = function() n = n + 1; wrk.headers["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]; return wrk.format() end'
  } >"$f"
  echo "$f"
}
rps() { wrk -t2 -c"$conns" -d"$duration" -s "$1" "$2" | awk '/Requests\/sec/ {print $2}'; }

through=$(lua '{"query":"{ todos { id title completed owner { id name } } }"}')
direct_todos=$(lua '{"query":"{ todos { id title completed ownerId } }"}' "X-Internal-Signature: $sig")
direct_auth=$(lua "{\"query\":\"query(\$r: [_Any!]!) { _entities(representations: \$r) { ... on User { id name } } }\",\"variables\":{\"r\":[{\"__typename\":\"User\",\"id\":\"${ids[0]}\"}]}}" "X-Internal-Signature: $sig")

# Check each request answers without errors before measuring.
for pair in "$through|$router" "$direct_todos|http://127.0.0.1:$STACK_TODOS_PORT/graphql" "$direct_auth|http://127.0.0.1:$STACK_AUTH_PORT/graphql"; do
  f="${pair%%|*}"; url="${pair#*|}"
  body=$(sed -n 's/^wrk.body = \[\[\(.*\)\]\]$/\1/p' "$f")
  hdrs=(-H "Authorization: Bearer $token"); while IFS= read -r l; do hdrs+=(-H "$l"); done < <(sed -n 's/^wrk.headers\["\(.*\)"\] = "\(.*\)"$/\1: \2/p' "$f")
  out=$(curl -fsS "${hdrs[@]}" -d "$body" "$url")
  if echo "$out" | grep -q '"errors"'; then echo "request to $url fails: $out"; exit 1; fi
done

me_router=$(lua '{"query":"{ me { id name email } }"}')
me_direct=$(lua '{"query":"{ me { id name email } }"}' "X-Internal-Signature: $sig")
r_me_router=$(rps "$me_router" "$router")
r_me_direct=$(rps "$me_direct" "http://127.0.0.1:$STACK_AUTH_PORT/graphql")
r_router=$(rps "$through" "$router")
r_todos=$(rps "$direct_todos" "http://127.0.0.1:$STACK_TODOS_PORT/graphql")
r_auth=$(rps "$direct_auth" "http://127.0.0.1:$STACK_AUTH_PORT/graphql")
python3 - "$r_router" "$r_todos" "$r_auth" "$duration" "$conns" "$r_me_router" "$r_me_direct" <<'PY'
import sys
router, todos, auth = map(float, sys.argv[1:4])
me_router, me_direct = map(float, sys.argv[6:8])
direct = 1 / (1 / todos + 1 / auth)  # a client doing both fetches one after the other
print(f"cross-subgraph query as {__import__('os').environ.get('BENCH_USERS', '32')} users, wrk {sys.argv[5]} connections, {sys.argv[4]} each, {__import__('os').cpu_count()} cores shared by load and servers")
print(f"  through the router:            {router:10.0f} req/s")
print(f"  straight to todos:             {todos:10.0f} req/s")
print(f"  straight to auth (_entities):  {auth:10.0f} req/s")
print(f"  both straight, one after other:{direct:10.0f} req/s  (router at {router / direct:.0%} of it)")
print(f"single-subgraph query {{ me {{ id name email }} }}:")
print(f"  through the router:            {me_router:10.0f} req/s")
print(f"  straight to auth:              {me_direct:10.0f} req/s  (router at {me_router / me_direct:.0%} of it)")
PY
