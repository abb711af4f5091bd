# B1: GET /api/v2/calls/{id} with a valid JWT, ids spread over every call in the store, against
# bench_ref_server answering the same bytes without auth or storage. Same wrk, same Lua script.
b1_get() {
    local ids="$WORK/ids.txt" body="$WORK/call.json" ref_port ref_pid
    sqlite3 "$SQLITE_DB" 'SELECT call_id FROM calls' >"$ids" || true
    local count
    count=$(wc -l <"$ids")
    if [ "$count" -eq 0 ]; then
        record B1 "GET /api/v2/calls/{id}" "-" "-" "-" "≥ 0.70" broken "no call ids"
        return 1
    fi
    curl -sf -H "Authorization: Bearer $TOKEN" "$SVC_URL/api/v2/calls/$(head -1 "$ids")" >"$body"
    ref_port=$(free_port)
    note_command "$REF_SERVER --port $ref_port --threads $(nproc) --body-file \$WORK/call.json &"
    "$REF_SERVER" --port "$ref_port" --threads "$(nproc)" --body-file "$body" \
        >"$WORK/ref-server.log" 2>&1 &
    ref_pid=$!
    STARTED_PIDS+=("$ref_pid")
    wait_until 10 grep -q listening "$WORK/ref-server.log"

    export BENCH_IDS="$ids" BENCH_AUTH="Bearer $TOKEN"
    run_wrk "$WORK/b1-ref.txt" --latency -t2 -c64 -d"$DURATION"s -s "$BENCH_DIR/lua/get_calls.lua" \
        "http://127.0.0.1:$ref_port"
    stop_pid "$ref_pid"
    run_wrk "$WORK/b1-svc.txt" --latency -t2 -c64 -d"$DURATION"s -s "$BENCH_DIR/lua/get_calls.lua" \
        "$SVC_URL"
    unset BENCH_IDS BENCH_AUTH

    local ref svc bad
    ref=$(wrk_rps "$WORK/b1-ref.txt")
    svc=$(wrk_rps "$WORK/b1-svc.txt")
    bad=$(($(wrk_non2xx "$WORK/b1-svc.txt") + $(wrk_errors "$WORK/b1-svc.txt")))
    if [ -z "$svc" ] || [ -z "$ref" ] || [ "$svc" -eq 0 ] || [ "$ref" -eq 0 ] || [ "$bad" -gt 0 ]; then
        record B1 "GET /api/v2/calls/{id}" "${svc:-0} req/s" "${ref:-0} req/s" "-" "≥ 0.70" broken \
            "$bad non-2xx/socket errors"
        return 1
    fi
    local ratio
    ratio=$(calc '%.2f' "$svc / $ref")
    record B1 "GET /api/v2/calls/{id} (ids over $count calls)" "$svc req/s" "$ref req/s" \
        "$ratio" "≥ 0.70" "$(pass_if "$ratio >= 0.70")" \
        "p99 $(wrk_p99_ms "$WORK/b1-svc.txt") ms vs $(wrk_p99_ms "$WORK/b1-ref.txt") ms"
}
