#!/usr/bin/env bash
# The benchmark suite of issue 5: B1–B6, each a ratio against a reference measured in the same
# run (the machine is shared and noisy), all load on 127.0.0.1, every step bounded in time.
#
#   bench/run.sh [BUILD_DIR] [--smoke] [--only B2,B3]
#
# Full mode (make bench): 5-8 minutes on 2 cores (B4's 100,000 calls are most of it); prints the table and writes
# docs/BENCHMARKS.md. Smoke mode (the bench_smoke CTest entry of make test): a second or two of
# load per benchmark, writes BUILD_DIR/bench-smoke.md, and fails only when a benchmark is broken
# (no request served, errors, lost events) — never on a missed target.
# --only runs the named benchmarks alone (while working on one) and writes
# BUILD_DIR/bench-partial.md instead of docs/BENCHMARKS.md, which is only ever a whole run.
# CCAPI_BIN overrides the service binary (default BUILD_DIR/apps/ccapi).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR=build-release
SMOKE=0
ONLY=""
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1 ;;
        --only)
            shift
            ONLY=",${1:-},"
            [[ "$ONLY" =~ ^(,B[1-6])+,$ ]] || {
                echo "bench: --only takes benchmark names such as B2,B3" >&2
                exit 2
            }
            ;;
        -h | --help)
            sed -n '2,14p' "$0"
            exit 0
            ;;
        *) BUILD_DIR=$1 ;;
    esac
    shift
done
# True when benchmark $1 is part of this run.
wanted() { [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]; }
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"

CCAPI=${CCAPI_BIN:-$BUILD_DIR/apps/ccapi}
REF_SERVER=$BUILD_DIR/bench/bench_ref_server
WS_CLIENT=$BUILD_DIR/bench/bench_ws
for tool in "$CCAPI" "$REF_SERVER" "$WS_CLIENT"; do
    [ -x "$tool" ] || {
        echo "bench: $tool is missing; build it first (make bench builds everything)" >&2
        exit 2
    }
done
for tool in wrk curl python3 sqlite3; do
    command -v "$tool" >/dev/null || {
        echo "bench: $tool is not installed (scripts/install-deps.sh)" >&2
        exit 2
    }
done

if [ "$SMOKE" = 1 ]; then
    DURATION=1 WARMUP=1 B1_ROUNDS=1 B1_ROUND_SECONDS=1 CALLS=1000 CREATE_SECONDS=30 FANOUT_CLIENTS=100 FANOUT_SECONDS=20
    REPORT="$BUILD_DIR/bench-smoke.md"
else
    DURATION=10 WARMUP=5 B1_ROUNDS=3 B1_ROUND_SECONDS=5 CALLS=100000 CREATE_SECONDS=180 FANOUT_CLIENTS=10000 FANOUT_SECONDS=90
    REPORT="$ROOT/docs/BENCHMARKS.md"
fi
[ -n "$ONLY" ] && REPORT="$BUILD_DIR/bench-partial.md"
# A whole run is bounded: a stuck step cannot hold make bench (or make test) forever.
RUN_LIMIT=$([ "$SMOKE" = 1 ] && echo 240 || echo 590)

# Every client and the service need one descriptor per connection (B6: 10,000 each side).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d /tmp/ccapi-bench.XXXXXX)
: >"$WORK/results.tsv"
: >"$WORK/commands.txt"
: >"$WORK/stolen.tsv"
BENCH_SECRET=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 48)
BENCH_PASSWORD=bench-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
export BENCH_SECRET BENCH_PASSWORD

# shellcheck source=lib/common.sh
source "$BENCH_DIR/lib/common.sh"
for f in "$BENCH_DIR"/lib/b[1-6]_*.sh; do
    # shellcheck source=/dev/null
    source "$f"
done

finish() {
    local rc=$?
    cleanup_all
    [ -n "${WATCHDOG_PID:-}" ] && kill "$WATCHDOG_PID" 2>/dev/null
    if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
        echo "bench: logs kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM
(
    # sleep holds no pipe of ours, so CTest never waits for it after the run.
    sleep "$RUN_LIMIT" </dev/null >/dev/null 2>&1
    echo "bench: run limit of ${RUN_LIMIT}s reached, stopping" >&2
    kill -TERM $$
) &
WATCHDOG_PID=$!

started=$(date +%s)
run_ticks=$(cpu_ticks)
log "mode: $([ "$SMOKE" = 1 ] && echo smoke || echo full); service: $CCAPI; logs: $WORK"

# A benchmark that fails to run is recorded as broken by itself; a setup failure says so here.
# The CPU stolen from this VM during each step goes to stolen.tsv for the report.
run_step() {
    local before
    before=$(cpu_ticks)
    "$@" || log "$1 did not complete"
    printf '%s\t%s\n' "$*" "$(stolen_since "$before")" >>"$WORK/stolen.tsv"
}

# --- Service A (SQLite): B4 creates the calls that stay in flight for B1, B5 and B6. ---
note_command "# Service A: SQLite; simulator at time scale 10 so that calls to ...2 ring for the whole run"
# B1, B5 and B6 need B4's calls, so any of them brings B4 along.
if ! wanted B1 && ! wanted B4 && ! wanted B5 && ! wanted B6; then
    :
elif start_sim sim-a --time-scale 10 && SQLITE_DB="$WORK/a/cc.db" && mkdir -p "$WORK/a" &&
    start_service svc-a "sqlite:///$SQLITE_DB"; then
    run_step b4_memory
    wanted B1 && run_step b1_get
    wanted B5 && run_step b5_bcrypt
    wanted B6 && run_step b6_fanout
else
    for b in B1 B4 B5 B6; do record "$b" "-" "-" "-" "-" "-" broken "service A did not start"; done
fi
stop_service
stop_sim

# --- Service B (SQLite): B2, then B3 on SQLite. ---
note_command "# Service B: SQLite; simulator at time scale 1 (B3 switches it to 0.01 through /_sim/timings)"
if ! wanted B2 && ! wanted B3; then
    :
elif start_sim sim-b && mkdir -p "$WORK/b" && start_service svc-b "sqlite:///$WORK/b/cc.db"; then
    wanted B2 && run_step b2_create
    wanted B3 && run_step b3_events SQLite
else
    for b in B2 B3; do record "$b" "-" "-" "-" "-" "-" broken "service B did not start"; done
fi
stop_service
stop_sim

# --- Service C (PostgreSQL): B3 on PostgreSQL. ---
note_command "# Service C: PostgreSQL 15 (a throwaway cluster)"
if ! wanted B3; then
    :
elif start_postgres && start_sim sim-c && start_service svc-c "$PG_URL" "DB_POOL_SIZE=10"; then
    run_step b3_events PostgreSQL
else
    record B3 "ARI events → committed → WebSocket (PostgreSQL)" "-" "-" "-" "-" broken \
        "PostgreSQL service did not start"
fi
stop_service
stop_sim
stop_postgres

elapsed=$(($(date +%s) - started))
run_stolen=$(stolen_since "$run_ticks")

# --- Report. ---
write_report() {
    local cpu
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    echo "# Benchmarks"
    echo
    if [ "$SMOKE" = 1 ]; then
        echo "**Smoke run** (a second of load per benchmark): the figures prove the benchmarks run,"
        echo "they measure nothing."
        echo
    fi
    echo "Generated by \`bench/run.sh\` ($([ "$SMOKE" = 1 ] && echo "--smoke" || echo "make bench"))"
    echo "on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ { print $2 }') GiB,"
    echo "commit \`$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)\`$(git -C "$ROOT" diff --quiet HEAD -- src apps 2>/dev/null || echo ' (with uncommitted changes)'), in ${elapsed} s."
    local cache build_type
    cache="$(dirname "$(dirname "$CCAPI")")/CMakeCache.txt"
    # A CCAPI_BIN outside a build tree has no cache: "unknown", not an aborted report.
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache" 2>/dev/null || true)
    echo "Service binary: \`${CCAPI#"$ROOT"/}\` (${build_type:-unknown} build)."
    echo "Each figure is compared with a reference measured in the same run on the same machine,"
    echo "because the machine is shared and absolute numbers move from run to run. The load"
    echo "generators (wrk, bench_ws) run on the same cores as the service. The hypervisor took"
    echo "${run_stolen}% of this VM's CPU time during the run (steal in \`/proc/stat\`; per step below)."
    echo
    echo "| # | benchmark | figure | reference | ratio | target | result |"
    echo "|---|---|---|---|---|---|---|"
    sort -s -t$'\t' -k1,1 "$WORK/results.tsv" |
        awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
    echo
    echo "## Details"
    echo
    sort -s -t$'\t' -k1,1 "$WORK/results.tsv" |
        awk -F'\t' '$8 != "" { printf "- **%s** %s: %s\n", $1, $2, $8 }'
    echo
    echo "CPU stolen by the hypervisor during each step (a share of both cores; it grows when"
    echo "both are busy, so it weighs more on a side that loads the machine more):"
    awk -F'\t' '{ printf "%s`%s` %s%%", (NR > 1 ? ", " : ""), $1, $2 } END { print "." }' \
        "$WORK/stolen.tsv"
    echo
    echo "## How each figure is obtained"
    echo
    cat <<'EOF'
- **B1**: `wrk -t2 -c64` with `bench/lua/get_calls.lua` (requests pre-formatted, ids spread
  over every call of the store, a valid JWT) against the service and against
  `bench_ref_server` (`bench/ref_server.cpp`: one io_context per thread with `SO_REUSEPORT`, as
  the service; answers the same bytes without auth or storage). Each side first gets the same
  unmeasured 5 s warm-up, so the figure is the steady state of clients polling their calls (the
  service's cold pass, where each id is first read from the store and its read cache fills, is
  in the details). Then three alternating 5 s rounds (reference, service, ...): the ratio is the
  median of the round ratios, so a neighbour's burst on this shared VM skews one round, not
  the figure.
- **B2**: `wrk -t2 -c64` with `bench/lua/post.lua` POSTing `/api/v2/calls` (numbers ending in 5
  are unallocated, so calls end at once) against the same wrk POSTing the body our ARI client
  sends straight to the simulator's `POST /ari/channels`, with a client draining the app's
  events. Ratio of 201/s to 200/s; p50/p99 from `wrk --latency`.
- **B3**: the simulator at time scale 0.01 (an answered call lasts ~50 ms). Reference: wrk
  originating answered calls straight to the simulator, `bench_ws drain` counting the ARI
  events/s it emits. Figure: the same load through the API; ARI events/s the service consumed
  (`ari_events_received_total`) over the time one `GET /api/v2/events` client took to receive
  every status (none lost: event ids are contiguous). Latency: calls sent on a steady schedule
  of 10,000 ARI events/s (`BENCH_RATE_PER_S`: open-loop, so slower answers do not lower the
  rate), p99 of receive time minus the event's `at`; the rate actually consumed is reported.
- **B4**: `VmRSS` of the service before, and after creating the calls (numbers ending in 2 never
  answer; 600 s originate timeout; the simulator runs 10× slower), divided by `calls_active`.
- **B5**: `wrk -t1 -c10 --latency` GETs alone, then while `wrk -t1 -c50` POSTs
  `/api/v2/token` (bcrypt) with the right password; three such alternating 5 s rounds, the
  figure the median of the round ratios of the p99s (as B1: one p99 on this VM moves between
  0.5 and 4 ms from run to run of the same code).
- **B6**: `bench_ws fanout` opens the clients (`GET /api/v2/events`, 200 handshakes in flight
  at most), then POSTs one call; each client's first event after the POST is timed from the
  moment the POST was sent.
EOF
    echo
    echo "## Commands"
    echo
    echo "Run everything with \`make bench\` (release build, then \`bench/run.sh build-release\`),"
    echo "or \`bench/run.sh build-release --smoke\` for the smoke pass. The steps, as run:"
    echo
    echo '```'
    cat "$WORK/commands.txt"
    echo '```'
}
write_report >"$REPORT"

echo
sort -s -t$'\t' -k1,1 "$WORK/results.tsv" | cut -f1-7 | column -t -s $'\t' ||
    cat "$WORK/results.tsv"
echo
echo "bench: report written to $REPORT (${elapsed} s)"

if grep -q $'\tbroken\t' "$WORK/results.tsv"; then
    echo "bench: some benchmarks are broken (see above and the logs in $WORK)" >&2
    exit 1
fi
exit 0
