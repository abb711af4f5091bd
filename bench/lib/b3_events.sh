# B3: ARI events in → statuses committed and pushed to a WebSocket client, on the current
# service's store (LABEL: SQLite or PostgreSQL).
#   reference: the simulator's event rate with no consumer work: wrk originates answered calls
#              directly (time scale 0.01: a call lasts ~50 ms) and a client drains the events;
#   max:       the same wrk load through POST /api/v2/calls; ARI events/s the service consumed
#              while one client on GET /api/v2/events received every status (no loss checked);
#   latency:   a paced load of about 10,000 ARI events/s; p99 of (receive time - event "at").
b3_events() {
    local label=$1 tag
    tag=$(tr 'A-Z' 'a-z' <<<"$label")
    if ! event_stream_available; then
        record "B3" "ARI events → committed → WebSocket ($label)" "-" "-" "-" \
            "≥ 100,000 events/s; p99 ≤ 20 ms at 10k/s" skipped "GET /api/v2/events is not served by this build"
        return 0
    fi
    sim_time_scale 0.01
    local answered='+15550000000'

    # Reference.
    local drain_out="$WORK/b3-$tag-drain.txt"
    "$WS_CLIENT" drain --url "ws://127.0.0.1:$SIM_PORT/ari/events?app=benchref3&api_key=ariuser:aripass" \
        --seconds $((DURATION + 10)) --idle-ms 1000 >"$drain_out" 2>&1 &
    local drain_pid=$!
    STARTED_PIDS+=("$drain_pid")
    wait_until 10 grep -q ready "$drain_out"
    BENCH_PATH=/ari/channels BENCH_AUTH="Basic $(printf 'ariuser:aripass' | base64)" BENCH_OK=200 \
        BENCH_BODY="{\"endpoint\": \"Local/$answered@outbound-ivr\", \"app\": \"benchref3\", \"timeout\": 30, \"variables\": {}}" \
        run_wrk "$WORK/b3-$tag-ref.txt" -t1 -c32 -d"$DURATION"s -s "$BENCH_DIR/lua/post.lua" "$SIM_URL"
    wait "$drain_pid" || true
    local ref
    ref=$(kv rate "$(tail -1 "$drain_out")")

    # Maximum rate.
    local stream_out="$WORK/b3-$tag-max-stream.txt" m0 m1 line
    b3_stream "$stream_out" || { b3_broken "$label" "stream client did not connect: $(tail -1 "$stream_out")"; return 1; }
    m0=$(metric ari_events_received_total)
    BENCH_PATH=/api/v2/calls BENCH_AUTH="Bearer $TOKEN" BENCH_OK=201 \
        BENCH_BODY="{\"phone_number\": \"$answered\"}" \
        run_wrk "$WORK/b3-$tag-max.txt" -t1 -c32 -d"$DURATION"s -s "$BENCH_DIR/lua/post.lua" "$SVC_URL"
    wait "$STREAM_PID" || true
    m1=$(metric ari_events_received_total)
    line=$(tail -1 "$stream_out")
    local span calls messages rate_in per_call
    span=$(kv span_s "$line")
    messages=$(kv messages "$line")
    calls=$(wrk_ok "$WORK/b3-$tag-max.txt")
    if [ -z "$messages" ] || [ "$messages" -eq 0 ] || [ -z "$calls" ] || [ "$calls" -eq 0 ] ||
        [ -z "$ref" ]; then
        b3_broken "$label" "calls: ${calls:-0}, stream: $line"
        return 1
    fi
    rate_in=$(calc '%.0f' "($m1 - $m0) / $span")
    per_call=$(calc '%.1f' "($m1 - $m0) / $calls")
    local lost
    lost=$(calc '%.0f' "$(kv last_event_id "$line") - $(kv first_event_id "$line") + 1 - $messages")

    # Latency at 10,000 ARI events/s: calls sent on a steady schedule (10 connections free to
    # take each slot), so the rate does not sink with the answer time.
    local target_calls
    target_calls=$(calc '%.1f' "10000 / $per_call")
    local lat_out="$WORK/b3-$tag-lat-stream.txt" l0 l1 lat_line
    b3_stream "$lat_out" || { b3_broken "$label" "stream client did not connect"; return 1; }
    # CPU per ARI event at this fixed load, of the service and of the PostgreSQL server: steadier
    # than latency on a shared machine, and what latency grows with as the cores fill.
    local pg_pid svc_t0 svc_t1 pg_t0=0 pg_t1=0
    pg_pid=$(postgres_pid)
    svc_t0=$(process_ticks "$SVC_PID")
    [ -n "$pg_pid" ] && pg_t0=$(process_ticks "$pg_pid")
    l0=$(metric ari_events_received_total)
    BENCH_PATH=/api/v2/calls BENCH_AUTH="Bearer $TOKEN" BENCH_OK=201 BENCH_RATE_PER_S=$target_calls \
        BENCH_BODY="{\"phone_number\": \"$answered\"}" \
        run_wrk "$WORK/b3-$tag-lat.txt" -t1 -c10 -d"$DURATION"s -s "$BENCH_DIR/lua/post.lua" "$SVC_URL"
    wait "$STREAM_PID" || true
    l1=$(metric ari_events_received_total)
    svc_t1=$(process_ticks "$SVC_PID")
    [ -n "$pg_pid" ] && pg_t1=$(process_ticks "$pg_pid")
    local cpu_per_event
    cpu_per_event="service $(calc '%.0f' "($svc_t1 - $svc_t0) * 10000 / ($l1 - $l0)") µs"
    [ -n "$pg_pid" ] &&
        cpu_per_event+=", PostgreSQL server $(calc '%.0f' "($pg_t1 - $pg_t0) * 10000 / ($l1 - $l0)") µs"
    lat_line=$(tail -1 "$lat_out")
    local lat_rate p99
    lat_rate=$(calc '%.0f' "($l1 - $l0) / $(kv span_s "$lat_line")")
    p99=$(kv p99_ms "$lat_line")
    sim_time_scale 1

    local ratio verdict
    ratio=$(calc '%.2f' "$rate_in / $ref")
    verdict=$(pass_if "$rate_in >= 100000 && $p99 <= 20 && $lost == 0")
    record B3 "ARI events → committed → WebSocket ($label)" "$rate_in events/s" \
        "$ref events/s" "$ratio" "≥ 100,000 events/s; p99 ≤ 20 ms at 10k/s" "$verdict" \
        "$(kv rate "$line") statuses/s pushed ($per_call ARI events/call, $lost lost, out of order $(kv out_of_order "$line")); p99 $p99 ms (p50 $(kv p50_ms "$lat_line")) at $lat_rate events/s (CPU per ARI event there: $cpu_per_event); p99 at max rate $(kv p99_ms "$line") ms"
}

# b3_stream OUTPUT: starts one event-stream client (background, STREAM_PID), waits for it.
b3_stream() {
    local cmd=("$WS_CLIENT" stream --url "ws://127.0.0.1:$SVC_PORT/api/v2/events"
        --header "Authorization: Bearer $TOKEN" --seconds $((DURATION + 30)) --idle-ms 1500)
    note_command "${cmd[*]} &"
    "${cmd[@]}" >"$1" 2>&1 &
    STREAM_PID=$!
    STARTED_PIDS+=("$STREAM_PID")
    wait_until 10 grep -q ready "$1"
}

b3_broken() {
    sim_time_scale 1 || true
    record B3 "ARI events → committed → WebSocket ($1)" "-" "-" "-" \
        "≥ 100,000 events/s; p99 ≤ 20 ms at 10k/s" broken "$2"
}
