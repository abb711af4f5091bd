# B1: GET /api/v2/calls/{id} with a valid JWT, ids spread over every call in the store, against
# bench_ref_server answering the same bytes without auth or storage. Same wrk, same Lua script.
b1_get() {
    local ids="$WORK/ids.txt" body="$WORK/call.json" ref_port ref_pid
    list_call_ids "$ids"
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
    local lua="$BENCH_DIR/lua/get_calls.lua" ref_url="http://127.0.0.1:$ref_port"
    # Each side gets the same unmeasured warm-up first: the figure is the steady state of clients
    # polling their calls. The service's cold pass (every id read from the store once, its read
    # cache filling) is reported beside it.
    note_command "# B1 warm-up: the same wrk for ${WARMUP}s against each side first (not counted)"
    wrk -t2 -c64 -d"$WARMUP"s -s "$lua" "$ref_url" >"$WORK/b1-ref-warmup.txt" 2>&1 || true
    wrk -t2 -c64 -d"$WARMUP"s -s "$lua" "$SVC_URL" >"$WORK/b1-svc-warmup.txt" 2>&1 || true
    # Then B1_ROUNDS alternating runs (reference, service, reference, ...): a neighbour's load on
    # this shared machine hits both sides of a round alike, and the median round ratio is the
    # figure.
    local round ratios=() refs=() svcs=() bad=0 r s
    for round in $(seq 1 "$B1_ROUNDS"); do
        run_wrk "$WORK/b1-ref-$round.txt" --latency -t2 -c64 -d"$B1_ROUND_SECONDS"s -s "$lua" \
            "$ref_url"
        run_wrk "$WORK/b1-svc-$round.txt" --latency -t2 -c64 -d"$B1_ROUND_SECONDS"s -s "$lua" \
            "$SVC_URL"
        r=$(wrk_rps "$WORK/b1-ref-$round.txt")
        s=$(wrk_rps "$WORK/b1-svc-$round.txt")
        bad=$((bad + $(wrk_non2xx "$WORK/b1-svc-$round.txt") + $(wrk_errors "$WORK/b1-svc-$round.txt")))
        if [ -z "$r" ] || [ -z "$s" ] || [ "$r" -eq 0 ] || [ "$s" -eq 0 ]; then
            bad=$((bad + 1))
            continue
        fi
        refs+=("$r")
        svcs+=("$s")
        ratios+=("$(calc '%.3f' "$s / $r")")
    done
    stop_pid "$ref_pid"
    unset BENCH_IDS BENCH_AUTH

    if [ "${#ratios[@]}" -eq 0 ] || [ "$bad" -gt 0 ]; then
        record B1 "GET /api/v2/calls/{id}" "-" "-" "-" "≥ 0.70" broken \
            "$bad non-2xx/socket errors or empty runs"
        return 1
    fi
    local ratio ref svc
    ratio=$(median "${ratios[@]}")
    ref=$(median "${refs[@]}")
    svc=$(median "${svcs[@]}")
    ratio=$(calc '%.2f' "$ratio")
    record B1 "GET /api/v2/calls/{id} (ids over $count calls)" "$svc req/s" "$ref req/s" \
        "$ratio" "≥ 0.70" "$(pass_if "$ratio >= 0.70")" \
        "median of ${#ratios[@]} alternating ${B1_ROUND_SECONDS} s rounds, round ratios ${ratios[*]}; p99 $(wrk_p99_ms "$WORK/b1-svc-1.txt") ms vs $(wrk_p99_ms "$WORK/b1-ref-1.txt") ms (round 1); cold first ${WARMUP} s (ids read from the store): $(wrk_rps "$WORK/b1-svc-warmup.txt") req/s"
}
