# B5: GET latency while 50 clients hammer POST /api/v2/token (bcrypt), against the same GET
# latency without that load. The GET load is moderate (10 connections), so its p99 measures
# how the service's I/O threads fare, not a saturated queue. wrk's 2 s default timeout would
# hide answers that wait behind bcrypt, hence --timeout 30s on both sides.
b5_bcrypt() {
    local ids="$WORK/ids.txt"
    export BENCH_IDS="$ids" BENCH_AUTH="Bearer $TOKEN"
    run_wrk "$WORK/b5-quiet.txt" --latency --timeout 30s -t1 -c10 -d"$DURATION"s \
        -s "$BENCH_DIR/lua/get_calls.lua" "$SVC_URL"
    unset BENCH_AUTH
    BENCH_PATH=/api/v2/token BENCH_OK=200 BENCH_CONTENT_TYPE=application/x-www-form-urlencoded \
        BENCH_BODY="username=bench&password=$BENCH_PASSWORD" \
        run_wrk "$WORK/b5-token.txt" --timeout 30s -t1 -c50 -d$((DURATION + 2))s \
        -s "$BENCH_DIR/lua/post.lua" "$SVC_URL" &
    local token_pid=$!
    sleep 1
    export BENCH_AUTH="Bearer $TOKEN"
    run_wrk "$WORK/b5-loaded.txt" --latency --timeout 30s -t1 -c10 -d"$DURATION"s \
        -s "$BENCH_DIR/lua/get_calls.lua" "$SVC_URL"
    wait "$token_pid" || true
    unset BENCH_IDS BENCH_AUTH

    local quiet loaded tokens bad loaded_n
    quiet=$(wrk_p99_ms "$WORK/b5-quiet.txt")
    loaded=$(wrk_p99_ms "$WORK/b5-loaded.txt")
    loaded_n=$(wrk_requests "$WORK/b5-loaded.txt")
    tokens=$(wrk_ok "$WORK/b5-token.txt")
    bad=$(($(wrk_non2xx "$WORK/b5-loaded.txt") + $(wrk_non2xx "$WORK/b5-quiet.txt")))
    if [ -z "$quiet" ] || [ "$(wrk_requests "$WORK/b5-quiet.txt")" = 0 ] || [ "$bad" -gt 0 ] ||
        [ "$(wrk_other "$WORK/b5-token.txt")" != 0 ]; then
        record B5 "GET p99 under bcrypt load" "${loaded:-?} ms" "${quiet:-?} ms" "-" "≤ 2.0×" broken \
            "GET non-2xx: $bad; token failures: $(wrk_other "$WORK/b5-token.txt")"
        return 1
    fi
    local token_note="$tokens tokens in $((DURATION + 2)) s ($(wrk_errors "$WORK/b5-token.txt") timed out after 30 s)"
    if [ "${loaded_n:-0}" = 0 ]; then
        # Not one GET came back while bcrypt ran: a result (the GETs starve), not a broken run.
        record B5 "GET p99 while 50 clients POST /api/v2/token" "no GET answered in ${DURATION} s" \
            "$quiet ms unloaded" "∞" "≤ 2.0×" miss "$token_note"
        return 0
    fi
    local ratio
    ratio=$(calc '%.2f' "$loaded / $quiet")
    record B5 "GET p99 while 50 clients POST /api/v2/token" "$loaded ms" "$quiet ms unloaded" \
        "$ratio×" "≤ 2.0×" "$(pass_if "$ratio <= 2.0")" \
        "$token_note; GET $(wrk_rps "$WORK/b5-loaded.txt") vs $(wrk_rps "$WORK/b5-quiet.txt") req/s"
}
