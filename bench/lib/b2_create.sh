# B2: call creation end to end (API → store commit → ARI originate to the simulator → 201)
# against the simulator's own originate rate, POSTed to directly by the same wrk and Lua script
# (with the body our ARI client sends, and a client draining the app's events as the service
# does). Numbers ending in 5 are unallocated: each call ends at once, so nothing accumulates.
b2_create() {
    local drain_out="$WORK/b2-drain.txt"
    "$WS_CLIENT" drain --url "ws://127.0.0.1:$SIM_PORT/ari/events?app=benchref&api_key=ariuser:aripass" \
        --seconds $((DURATION + 10)) --idle-ms 1000 >"$drain_out" 2>&1 &
    local drain_pid=$!
    STARTED_PIDS+=("$drain_pid")
    wait_until 10 grep -q ready "$drain_out"
    BENCH_PATH=/ari/channels BENCH_AUTH="Basic $(printf 'ariuser:aripass' | base64)" BENCH_OK=200 \
        BENCH_BODY='{"endpoint": "Local/+15550000005@outbound-ivr", "app": "benchref", "timeout": 30, "variables": {}}' \
        run_wrk "$WORK/b2-ref.txt" --latency -t2 -c64 -d"$DURATION"s -s "$BENCH_DIR/lua/post.lua" \
        "$SIM_URL"
    wait "$drain_pid" || true

    local originated0 originated1
    originated0=$(metric calls_originated_total)
    BENCH_PATH=/api/v2/calls BENCH_AUTH="Bearer $TOKEN" BENCH_OK=201 \
        BENCH_BODY='{"phone_number": "+15550000005"}' \
        run_wrk "$WORK/b2-svc.txt" --latency -t2 -c64 -d"$DURATION"s -s "$BENCH_DIR/lua/post.lua" \
        "$SVC_URL"
    sleep 0.5
    originated1=$(metric calls_originated_total)

    local ref svc ok other ref_ok ref_other
    ref_ok=$(wrk_ok "$WORK/b2-ref.txt")
    ref_other=$(wrk_other "$WORK/b2-ref.txt")
    ok=$(wrk_ok "$WORK/b2-svc.txt")
    other=$(wrk_other "$WORK/b2-svc.txt")
    if [ -z "$ok" ] || [ "$ok" -eq 0 ] || [ -z "$ref_ok" ] || [ "$ref_ok" -eq 0 ] ||
        [ "${other:-1}" -gt 0 ] || [ "${ref_other:-1}" -gt 0 ]; then
        record B2 "call creation end to end" "${ok:-0} created" "${ref_ok:-0} originated" "-" \
            "≥ 0.85" broken "non-201 answers: ${other:-?}, simulator non-200: ${ref_other:-?}"
        return 1
    fi
    # Requests/sec counts 201s only here (every answer was a 201); the reference likewise.
    svc=$(wrk_rps "$WORK/b2-svc.txt")
    ref=$(wrk_rps "$WORK/b2-ref.txt")
    local ratio
    ratio=$(calc '%.2f' "$svc / $ref")
    record B2 "call creation end to end (POST /api/v2/calls → 201)" "$svc calls/s" \
        "$ref originates/s" "$ratio" "≥ 0.85" "$(pass_if "$ratio >= 0.85")" \
        "p50/p99 $(wrk_p50_ms "$WORK/b2-svc.txt")/$(wrk_p99_ms "$WORK/b2-svc.txt") ms vs $(wrk_p50_ms "$WORK/b2-ref.txt")/$(wrk_p99_ms "$WORK/b2-ref.txt") ms; calls_originated_total +$((originated1 - originated0)) for $ok 201s; reference drain saw $(kv rate "$(tail -1 "$drain_out")") events/s; CPU stolen by the hypervisor $(stolen_of "$WORK/b2-ref.txt")% during the reference, $(stolen_of "$WORK/b2-svc.txt")% during the service"
}
