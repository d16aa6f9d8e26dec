#!/usr/bin/env bash
# make bench-router: our router against Hive Gateway and Apollo Gateway on the same four
# subgraphs (accounts, inventory, products, reviews) and the same nested query, one gateway
# after another on this machine. See docs/benchmarks.md.
#
# Settings (environment):
#   BENCH_DURATION     measured time of each load run (default 30s)
#   BENCH_WARMUP       unmeasured load before each gateway's runs (default 5s)
#   BENCH_CONCURRENCY  closed-model clients, and the open model's most in flight (default 50)
#   BENCH_RATE         open-model arrivals per second, the same for every gateway (default 10)
#   BENCH_GATEWAYS     which gateways, in order (default "ours hive-gateway apollo-gateway"; also ours-nodedup, our router with DEDUPLICATE_QUERIES=false;
#                      also known: hive-gateway-nodedup, Hive Gateway without its inbound
#                      request deduplication). The ratio columns divide "ours" by each.
#   BENCH_GATEWAY_PORT port every gateway listens on in turn (default 4200)
#   BENCH_{ACCOUNTS,INVENTORY,PRODUCTS,REVIEWS}_PORT  subgraph ports (default 4201-4204)
#
# Output: the tables on stdout; raw JSON lines, logs and the composed supergraph in
# bench/results/<UTC time>/ (bench/results/latest points at the newest). Exit status 1 when
# any gateway answered a request incorrectly (or a run could not be done).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
cd "$ROOT"

DURATION="${BENCH_DURATION:-30s}"
WARMUP="${BENCH_WARMUP:-5s}"
CONCURRENCY="${BENCH_CONCURRENCY:-50}"
RATE="${BENCH_RATE:-10}"
GATEWAYS="${BENCH_GATEWAYS:-ours hive-gateway apollo-gateway}"
GATEWAY_PORT="${BENCH_GATEWAY_PORT:-4200}"
export BENCH_ACCOUNTS_PORT="${BENCH_ACCOUNTS_PORT:-4201}"
export BENCH_INVENTORY_PORT="${BENCH_INVENTORY_PORT:-4202}"
export BENCH_PRODUCTS_PORT="${BENCH_PRODUCTS_PORT:-4203}"
export BENCH_REVIEWS_PORT="${BENCH_REVIEWS_PORT:-4204}"
GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT/graphql"
PRODUCTS_URL="http://127.0.0.1:$BENCH_PRODUCTS_PORT/graphql"

log() { printf '%s bench-router: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

for cmd in go node npm curl taskset setsid nproc; do
  command -v "$cmd" >/dev/null || die "$cmd is required"
done
for f in query.graphql expected.json single.graphql single-expected.json supergraph.yaml; do
  [[ -f "$BENCH/$f" ]] || die "bench/$f is missing"
done
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$GATEWAY_PORT" "$BENCH_ACCOUNTS_PORT" "$BENCH_INVENTORY_PORT" "$BENCH_PRODUCTS_PORT" "$BENCH_REVIEWS_PORT"; do
  if port_busy "$p"; then die "port $p is already in use on 127.0.0.1 (stop what listens there, or set BENCH_*_PORT)"; fi
done

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$BENCH/results/$STAMP"
BIN="$BENCH/results/bin"
mkdir -p "$OUT" "$BIN"
ln -sfn "$STAMP" "$BENCH/results/latest"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"

# --- install and build ------------------------------------------------------------------
PEERS="$BENCH/peers"
lock_sum="$(sha256sum "$PEERS/package-lock.json" | cut -d' ' -f1)"
if [[ "$(cat "$PEERS/node_modules/.bench-lock-sum" 2>/dev/null)" != "$lock_sum" ]]; then
  log "installing the peer gateways (npm ci in bench/peers; a minute or two) ..."
  (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error >"$OUT/npm-ci.log" 2>&1) \
    || { tail -20 "$OUT/npm-ci.log" >&2; die "npm ci failed (log: $OUT/npm-ci.log)"; }
  echo "$lock_sum" >"$PEERS/node_modules/.bench-lock-sum"
fi
log "building loadgen, bench-subgraphs and the router into bench/results/bin ..."
go build -o "$BIN/" ./bench/cmd/loadgen ./bench/cmd/bench-subgraphs ./router/cmd/router

# --- CPU pinning ------------------------------------------------------------------------
# How busy the machine is before we start: other work on it makes the numbers noisy.
cpu_times() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat; }
read -r t0 i0 < <(cpu_times); sleep 1; read -r t1 i1 < <(cpu_times)
BUSY_BEFORE=$(( (t1 - t0) > 0 ? 100 * ((t1 - t0) - (i1 - i0)) / (t1 - t0) : 0 ))
if ((BUSY_BEFORE > 20)); then
  log "WARNING: the machine was ${BUSY_BEFORE}% busy before the benchmark started; expect noisy numbers"
fi
CORES="$(nproc)"
if ((CORES >= 2)); then
  GW_CPUS="0"
  LOAD_CPUS="1-$((CORES - 1))"
  if ((CORES == 2)); then LOAD_CPUS="1"; fi
  log "$CORES cores: each gateway pinned to CPU $GW_CPUS; load generator and subgraphs pinned to CPU $LOAD_CPUS"
else
  GW_CPUS=""
  LOAD_CPUS=""
  log "1 core: nothing pinned; gateway, subgraphs and load generator share it"
fi
pin() { # pin <cpus> cmd... : run the command on those CPUs (or unpinned when empty)
  local cpus="$1"; shift
  if [[ -n "$cpus" ]]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

# --- process handling -------------------------------------------------------------------
SUB_PID=""
GW_PID=""
stop_group() { # stop_group <pid>: TERM the process group led by pid, KILL it after 5 s
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_group "$GW_PID"
  stop_group "$SUB_PID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_graphql() { # wait_graphql <url> <pid> <name>: until the endpoint answers { __typename }
  local url="$1" pid="$2" name="$3"
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -fsS --max-time 1 -H 'content-type: application/json' \
      --data '{"query":"{ __typename }"}' "$url" 2>/dev/null | grep -q '"__typename"'; then
      return 0
    fi
    sleep 0.1
  done
  log "$name did not answer at $url within 60 s"
  return 1
}

# --- subgraphs ----------------------------------------------------------------------------
log "starting the subgraphs ..."
sub_pinned=()
if [[ -n "$LOAD_CPUS" ]]; then sub_pinned=(taskset -c "$LOAD_CPUS"); fi
setsid "${sub_pinned[@]}" "$BIN/bench-subgraphs" >"$OUT/subgraphs.log" 2>&1 &
SUB_PID=$!
for _ in $(seq 300); do
  grep -q '"ready":true' "$OUT/subgraphs.log" 2>/dev/null && break
  kill -0 "$SUB_PID" 2>/dev/null || { cat "$OUT/subgraphs.log" >&2; die "the subgraphs did not start"; }
  sleep 0.1
done
grep -q '"ready":true' "$OUT/subgraphs.log" || die "the subgraphs were not ready within 30 s"

# The peers' supergraph, composed by @apollo/composition from the subgraph schemas.
(cd "$PEERS" && node compose.mjs "$OUT/supergraph.graphql") 2>"$OUT/compose.log" \
  || { cat "$OUT/compose.log" >&2; die "composing the peers' supergraph failed"; }

# --- the gateways -----------------------------------------------------------------------
start_gateway() { # start_gateway <name>: sets GW_PID
  local name="$1"
  local -a cmd env
  case "$name" in
    ours | ours-nodedup)
      env=(PORT="$GATEWAY_PORT" SUPERGRAPH_CONFIG="$BENCH/supergraph.yaml" LOG_LEVEL=warn
        DEDUPLICATE_QUERIES="$([[ "$name" == ours ]] && echo true || echo false)"
        SUBGRAPH_ACCOUNTS_URL="http://127.0.0.1:$BENCH_ACCOUNTS_PORT/graphql"
        SUBGRAPH_INVENTORY_URL="http://127.0.0.1:$BENCH_INVENTORY_PORT/graphql"
        SUBGRAPH_PRODUCTS_URL="http://127.0.0.1:$BENCH_PRODUCTS_PORT/graphql"
        SUBGRAPH_REVIEWS_URL="http://127.0.0.1:$BENCH_REVIEWS_PORT/graphql")
      cmd=("$BIN/router") ;;
    hive-gateway | hive-gateway-nodedup)
      env=(NODE_ENV=production HIVE_INBOUND_DEDUP="$([[ "$name" == hive-gateway ]] && echo 1 || echo 0)")
      cmd=(node "$PEERS/node_modules/@graphql-hive/gateway/dist/bin.js" supergraph "$OUT/supergraph.graphql"
        --jit --host 127.0.0.1 --port "$GATEWAY_PORT" --config-path "$PEERS/gateway.config.mjs") ;;
    apollo-gateway)
      env=(NODE_ENV=production SUPERGRAPH="$OUT/supergraph.graphql" PORT="$GATEWAY_PORT" HOST=127.0.0.1)
      cmd=(node "$PEERS/apollo-gateway.mjs") ;;
    *) die "unknown gateway $name (known: ours, ours-nodedup, hive-gateway, hive-gateway-nodedup, apollo-gateway)" ;;
  esac
  local -a pinned=()
  if [[ -n "$GW_CPUS" ]]; then pinned=(taskset -c "$GW_CPUS"); fi
  (cd "$PEERS" && exec setsid env "${env[@]}" "${pinned[@]}" "${cmd[@]}") >"$OUT/$name.log" 2>&1 &
  GW_PID=$!
  if ! wait_graphql "$GATEWAY_URL" "$GW_PID" "$name"; then
    tail -30 "$OUT/$name.log" >&2
    die "$name did not start (log: $OUT/$name.log)"
  fi
}

FAILED=0
load() { # load <label> <url> <query file> <expected file> <pid to sample> [loadgen flags...]
  local label="$1" url="$2" query="$3" expected="$4" pid="$5"; shift 5
  local line rc=0
  line="$(pin "$LOAD_CPUS" "$BIN/loadgen" -label "$label" -url "$url" -query-file "$query" \
    -expected-file "$expected" -concurrency "$CONCURRENCY" -duration "$DURATION" -pid "$pid" "$@" \
    2>>"$OUT/loadgen.log")" || rc=$?
  if ((rc > 1)) || [[ -z "$line" ]]; then
    log "$label: the load generator failed (exit $rc; see $OUT/loadgen.log)"
    FAILED=1
    return 0
  fi
  if ((rc == 1)); then FAILED=1; fi
  echo "$line" >>"$RESULTS"
  log "$label: $(sed -E 's/.*"rps":([0-9.]+).*"p95_ms":([0-9.]+).*/\1 rps, p95 \2 ms/' <<<"$line"), errors $(sed -E 's/.*"errors":([0-9]+).*/\1/' <<<"$line")"
}

Q="$BENCH/query.graphql"
E="$BENCH/expected.json"
SQ="$BENCH/single.graphql"
SE="$BENCH/single-expected.json"
for gw in $GATEWAYS; do
  log "$gw: starting ..."
  start_gateway "$gw"
  log "$gw: closed model, $CONCURRENCY clients, warm-up $WARMUP, measured $DURATION ..."
  load "$gw:closed" "$GATEWAY_URL" "$Q" "$E" "$GW_PID" -mode closed -warmup "$WARMUP"
  log "$gw: open model, $RATE/s for $DURATION ..."
  load "$gw:open" "$GATEWAY_URL" "$Q" "$E" "$GW_PID" -mode open -rate "$RATE" -warmup 0s
  stop_group "$GW_PID"
  GW_PID=""
  if [[ "$gw" == ours ]]; then
    # Overhead with query deduplication off: every request reaches the subgraph, as
    # every request straight to it does.
    start_gateway ours-nodedup
    log "$gw: router overhead: single-subgraph query through the router (deduplication off) ..."
    load "$gw:single-router" "$GATEWAY_URL" "$SQ" "$SE" "$GW_PID" -mode closed -warmup "$WARMUP"
    stop_group "$GW_PID"
    GW_PID=""
    # Straight to the products subgraph, which gets the gateway's CPU for this run.
    if [[ -n "$GW_CPUS" ]]; then taskset -a -p -c "$GW_CPUS" "$SUB_PID" >/dev/null; fi
    log "$gw: router overhead: the same query straight to the products subgraph ..."
    load "$gw:single-direct" "$PRODUCTS_URL" "$SQ" "$SE" "$SUB_PID" -mode closed -warmup "$WARMUP"
    if [[ -n "$LOAD_CPUS" ]]; then taskset -a -p -c "$LOAD_CPUS" "$SUB_PID" >/dev/null; fi
  fi
done

# --- report -------------------------------------------------------------------------------
peer_version() { node -p "require('$PEERS/node_modules/$1/package.json').version" 2>/dev/null || echo "?"; }
OURS_VERSION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")"
if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]]; then OURS_VERSION="$OURS_VERSION+changes"; fi
CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
MEM_GB="$(free -g | awk '/^Mem:/ {print $2}')"
rc=0
{
  echo "Router benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Machine: $CORES cores ($CPU_MODEL), ${MEM_GB} GiB memory, ${BUSY_BEFORE}% busy before the start; gateway on CPU ${GW_CPUS:-any}, load generator and subgraphs on CPU ${LOAD_CPUS:-any}"
  echo "Gateways: ours (router $OURS_VERSION, $(go env GOVERSION)), hive-gateway (@graphql-hive/gateway $(peer_version @graphql-hive/gateway), --jit, NODE_ENV=production, inbound request deduplication on; off in hive-gateway-nodedup), apollo-gateway (@apollo/gateway $(peer_version @apollo/gateway) with @apollo/server $(peer_version @apollo/server)); node $(node --version); supergraph for the peers by @apollo/composition $(peer_version @apollo/composition)"
  echo
  "$BIN/loadgen" -report "$RESULTS" || rc=$?
} >"$OUT/table.md"
cat "$OUT/table.md"
((rc <= 1)) || { log "the report could not be made (exit $rc)"; FAILED=1; }
if ((rc == 1)); then FAILED=1; fi
echo
echo "raw results: ${RESULTS#"$ROOT/"}"
if ((FAILED)); then
  log "FAILED: a gateway answered incorrectly or a run could not be done (see above and $OUT)"
  exit 1
fi
