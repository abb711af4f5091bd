# Shared helpers of bench/run.sh: processes we start (and only those are stopped), free ports,
# the service and simulator, PostgreSQL, wrk output parsing, results and the command log.
# Sourced by run.sh; every function uses the globals run.sh sets (WORK, CCAPI, SMOKE, ...).

STARTED_PIDS=()
PG_DIR=""
PG_AS=()
PG_BIN=/usr/lib/postgresql/15/bin

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Appends a command, as it was run, to the command log that BENCHMARKS.md quotes. The access
# token is shown as $TOKEN, never its value.
note_command() {
    local text="$*"
    [ -n "${TOKEN:-}" ] && text="${text//${TOKEN}/\$TOKEN}"
    [ -n "${WORK:-}" ] && text="${text//${WORK}/\$WORK}"
    [ -n "${BENCH_PASSWORD:-}" ] && text="${text//${BENCH_PASSWORD}/\$PASSWORD}"
    printf '%s\n' "$text" >>"$WORK/commands.txt"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds.
wait_until() {
    local seconds=$1
    shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

stop_pid() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup_all() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
    STARTED_PIDS=()
    stop_postgres
}

# start_sim NAME [ari-sim flags...]: sets SIM_PORT, SIM_PID, SIM_URL.
start_sim() {
    local name=$1
    shift
    SIM_PORT=$(free_port)
    local cmd=("$CCAPI" ari-sim --port "$SIM_PORT" --session-limit 30000 "$@")
    note_command "${cmd[*]} &"
    "${cmd[@]}" >"$WORK/$name.log" 2>&1 &
    SIM_PID=$!
    STARTED_PIDS+=("$SIM_PID")
    disown "$SIM_PID"
    SIM_URL="http://127.0.0.1:$SIM_PORT"
    wait_until 20 grep -q listening "$WORK/$name.log" || {
        log "simulator $name did not start: $(tail -3 "$WORK/$name.log")"
        return 1
    }
}

sim_time_scale() {
    curl -sf -X POST "$SIM_URL/_sim/timings?time_scale=$1" >/dev/null
}

# start_postgres: a throwaway cluster in $WORK/pg on a free port; sets PG_URL.
start_postgres() {
    # Outside $WORK (mode 700): the postgres user must be able to reach its directory.
    PG_DIR=$(mktemp -d /tmp/ccapi-bench-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    local as_pg=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_DIR"
        as_pg=(runuser -u postgres --)
    fi
    (cd "$PG_DIR" && "${as_pg[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U ccapi -A trust -E UTF8 \
        --locale=C --no-sync --no-instructions >"$PG_DIR/initdb.log" 2>&1) || {
        log "initdb failed: $(tail -5 "$PG_DIR/initdb.log")"
        return 1
    }
    PG_PORT=$(free_port)
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 100
shared_buffers = 128MB
EOF
    note_command "initdb -D \$PGDIR/data -U ccapi -A trust; pg_ctl start (port $PG_PORT, default durability: fsync and synchronous_commit on)"
    (cd "$PG_DIR" && "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -t 60 start >"$PG_DIR/pg_ctl.log" 2>&1) || {
        log "pg_ctl start failed: $(tail -5 "$PG_DIR/server.log")"
        return 1
    }
    PG_AS=("${as_pg[@]}")
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U ccapi ccapi
    PG_URL="postgresql://ccapi@127.0.0.1:$PG_PORT/ccapi"
}

stop_postgres() {
    [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
    (cd "$PG_DIR" && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop \
        >/dev/null 2>&1) || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}

# start_service NAME DATABASE_URL [SETTING=value...]: a fresh service against $SIM_URL, with a
# superuser `bench`; sets SVC_PORT, SVC_PID, SVC_URL, SVC_ENV (array) and TOKEN.
start_service() {
    local name=$1 database_url=$2
    shift 2
    SVC_PORT=$(free_port)
    SVC_ENV=(
        "SECRET_KEY=$BENCH_SECRET"
        "DATABASE_URL=$database_url"
        "AUTO_MIGRATE=true"
        "ARI_HTTP_URL=$SIM_URL/ari"
        "HOST=127.0.0.1" "PORT=$SVC_PORT"
        "LOG_LEVEL=WARNING"
        "CALL_RATE_LIMIT_REQUESTS=0" "RATE_LIMIT_REQUESTS=1000000"
        "MAX_CONCURRENT_CALLS=100000" "MAX_CALLS_PER_SECOND=10000"
        "MAX_CONNECTIONS=30000"
        "$@"
    )
    if [[ "$database_url" == postgresql* ]]; then
        env "${SVC_ENV[@]}" "$CCAPI" migrate >"$WORK/$name-migrate.log" 2>&1 || {
            log "migrate failed: $(tail -3 "$WORK/$name-migrate.log")"
            return 1
        }
    fi
    echo "$BENCH_PASSWORD" | env "${SVC_ENV[@]}" "$CCAPI" user add bench --superuser \
        >"$WORK/$name-user.log" 2>&1 || {
        log "user add failed: $(tail -3 "$WORK/$name-user.log")"
        return 1
    }
    note_command "env ${SVC_ENV[*]/SECRET_KEY=*/SECRET_KEY=<random>} $CCAPI serve &"
    env "${SVC_ENV[@]}" "$CCAPI" serve >"$WORK/$name.log" 2>&1 &
    SVC_PID=$!
    STARTED_PIDS+=("$SVC_PID")
    disown "$SVC_PID"
    SVC_URL="http://127.0.0.1:$SVC_PORT"
    wait_until 30 service_connected || {
        log "service $name did not become ready: $(tail -3 "$WORK/$name.log")"
        return 1
    }
    TOKEN=$(curl -sf -X POST "$SVC_URL/api/v2/token" \
        -d "username=bench&password=$BENCH_PASSWORD" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') || {
        log "no token from $name"
        return 1
    }
}

service_connected() {
    curl -sf "$SVC_URL/health" | grep -q '"websocket":"connected"'
}

# list_call_ids FILE: every call id of service A's store (B4's calls), one per line.
list_call_ids() {
    sqlite3 "$SQLITE_DB" 'SELECT call_id FROM calls' >"$1" || true
}

stop_service() {
    stop_pid "${SVC_PID:-}"
}

stop_sim() {
    stop_pid "${SIM_PID:-}"
}

# metric NAME: the sum of every sample of NAME (any labels) on the service's /metrics.
metric() {
    curl -sf "$SVC_URL/metrics" | awk -v name="$1" '
        $1 == name || index($1, name "{") == 1 { sum += $NF } END { printf "%.0f\n", sum }'
}

rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# event_stream_available: 0 when GET /api/v2/events exists (426 without the upgrade).
event_stream_available() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        "$SVC_URL/api/v2/events")
    [ "$code" != "404" ] && [ "$code" != "405" ]
}

# cpu_ticks: "STEAL TOTAL", the whole machine's CPU ticks from /proc/stat. Steal is time the
# hypervisor gave other guests while this one wanted the CPU: on a shared VM, the noise in every
# figure, and it grows when both cores are busy (a ratio whose two sides load the machine
# differently moves with it).
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t; exit }' /proc/stat; }

# stolen_since "STEAL TOTAL": percent of the CPU time from that cpu_ticks reading to now that
# was stolen.
stolen_since() {
    local -a a b
    read -r -a a <<<"$1"
    read -r -a b <<<"$(cpu_ticks)"
    local total=$((b[1] - a[1]))
    [ "$total" -gt 0 ] || {
        echo 0
        return
    }
    calc '%.0f' "100 * $((b[0] - a[0])) / $total"
}

# process_ticks PID...: CPU ticks (user + system, 1/100 s) the processes and their live children
# have used; the PostgreSQL server's work is in its backends, children of the postmaster.
process_ticks() {
    local pids=("$@") pid
    for pid in "$@"; do
        mapfile -t -O "${#pids[@]}" pids < <(pgrep -P "$pid" 2>/dev/null || true)
    done
    for pid in "${pids[@]}"; do
        awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || true
    done | awk '{ t += $1 } END { print t + 0 }'
}

# postgres_pid: the benchmark cluster's postmaster, or nothing.
postgres_pid() { [ -n "${PG_DIR:-}" ] && head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true; }

# run_wrk OUTPUT_FILE wrk-args...: runs wrk (note_command'ed with its BENCH_* environment);
# the share of CPU stolen while it ran goes to OUTPUT_FILE.stolen (see stolen_of).
run_wrk() {
    local out=$1
    shift
    local envs before
    envs=$(env | grep '^BENCH_' | grep -v '^BENCH_SECRET\|^BENCH_PASSWORD' | sort | tr '\n' ' ')
    note_command "${envs}wrk $*"
    before=$(cpu_ticks)
    local rc=0
    wrk "$@" >"$out" 2>&1 || rc=$?
    stolen_since "$before" >"$out.stolen"
    return "$rc"
}

# stolen_of WRK_OUTPUT_FILE: the percent of CPU stolen during that run_wrk ("?" if unknown).
stolen_of() { cat "$1.stolen" 2>/dev/null || echo '?'; }

# wrk_rps FILE; wrk_requests FILE; wrk_non2xx FILE; wrk_errors FILE; wrk_p50_ms/p99_ms FILE
wrk_rps() { awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' "$1"; }
wrk_requests() { awk '/requests in/ { print $1 }' "$1"; }
wrk_non2xx() { awk '/Non-2xx or 3xx responses:/ { n = $NF } END { print n + 0 }' "$1"; }
wrk_errors() {
    awk '/Socket errors:/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }' "$1"
}
wrk_ok() { sed -n 's/^ok=\([0-9]*\) other=.*/\1/p' "$1"; }
wrk_other() { sed -n 's/^ok=[0-9]* other=\([0-9]*\)/\1/p' "$1"; }
_wrk_percentile_ms() {
    awk -v p="$2" '
        $1 == p && $2 ~ /[0-9]/ {
            v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
            if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000
            printf "%.2f\n", v; exit
        }' "$1"
}
wrk_p50_ms() { _wrk_percentile_ms "$1" "50%"; }
wrk_p99_ms() { _wrk_percentile_ms "$1" "99%"; }

# kv KEY "k1=v1 k2=v2": the value of KEY in a bench_ws result line.
kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -1; }

# median NUMBER...: the middle value (the mean of the two middle ones for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Arithmetic with awk, printf-formatted: calc FORMAT EXPRESSION
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# record ID NAME FIGURE REFERENCE RATIO TARGET RESULT NOTES
# RESULT is pass, miss, broken or skipped; broken fails the run (smoke and full).
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$WORK/results.tsv"
    log "$1 $2: $3 (reference $4, ratio $5, target $6): $7${8:+ — $8}"
}

# pass_if CONDITION-EXPRESSION: "pass" when the awk expression is true, else "miss".
pass_if() { awk "BEGIN { exit !($1) }" && echo pass || echo miss; }
