# B6: CLIENTS concurrent event-stream WebSocket clients; one call is created and its first event
# must reach all of them. Delivery time: from sending the POST to each client's first event.
b6_fanout() {
    if ! event_stream_available; then
        record B6 "event fan-out to $FANOUT_CLIENTS WebSocket clients" "-" "-" "-" \
            "all receive" skipped "GET /api/v2/events is not served by this build"
        return 0
    fi
    local out="$WORK/b6.txt" line
    local cmd=("$WS_CLIENT" fanout --url "ws://127.0.0.1:$SVC_PORT/api/v2/events"
        --header "Authorization: Bearer $TOKEN" --clients "$FANOUT_CLIENTS"
        --trigger-url "$SVC_URL/api/v2/calls"
        --trigger-body '{"phone_number": "+15550000002", "timeout": 600000}'
        --seconds "$FANOUT_SECONDS")
    note_command "${cmd[*]}"
    "${cmd[@]}" >"$out" 2>&1 || true
    line=$(tail -1 "$out")
    local received connected p99
    received=$(kv received "$line")
    connected=$(kv connected "$line")
    p99=$(kv p99_ms "$line")
    if [ -z "$received" ] || [ "${connected:-0}" -eq 0 ] || [ "$received" -eq 0 ]; then
        record B6 "event fan-out to $FANOUT_CLIENTS WebSocket clients" "${received:-0} received" "-" \
            "-" "all receive" broken "$line"
        return 1
    fi
    record B6 "event fan-out to $FANOUT_CLIENTS WebSocket clients" \
        "$received/$FANOUT_CLIENTS received, p99 $p99 ms" "-" "-" "all receive; report p99" \
        "$( [ "$received" = "$FANOUT_CLIENTS" ] && echo pass || echo miss)" \
        "$connected connected; p50 $(kv p50_ms "$line") ms, max $(kv max_ms "$line") ms"
}
