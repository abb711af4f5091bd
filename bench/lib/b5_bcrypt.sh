# B5: GET latency while 50 clients hammer POST /api/v2/token (bcrypt), against the same GET
# latency without that load. The GET load is moderate (10 connections), so its p99 measures
# how the service's I/O threads fare, not a saturated queue. wrk's 2 s default timeout would
# hide answers that wait behind bcrypt, hence --timeout 30s on both sides.
b5_bcrypt() {
    local ids="$WORK/ids.txt"
    [ -s "$ids" ] || list_call_ids "$ids"  # B1 lists them when it runs first
    # Alternating rounds (quiet, loaded, ...), the figure their median ratio, as B1: a single
    # p99 on this shared VM moves 0.5-4 ms between runs of identical code.
    local round ratios=() quiet_p99s=() loaded_p99s=() tokens=0 timeouts=0 bad=0 other=0
    local quiet_rps loaded_rps
    for round in $(seq 1 "$B1_ROUNDS"); do
        local quiet_out="$WORK/b5-quiet-$round.txt" loaded_out="$WORK/b5-loaded-$round.txt"
        local token_out="$WORK/b5-token-$round.txt"
        export BENCH_IDS="$ids" BENCH_AUTH="Bearer $TOKEN"
        run_wrk "$quiet_out" --latency --timeout 30s -t1 -c10 -d"$B1_ROUND_SECONDS"s \
            -s "$BENCH_DIR/lua/get_calls.lua" "$SVC_URL"
        unset BENCH_AUTH
        BENCH_PATH=/api/v2/token BENCH_OK=200 BENCH_CONTENT_TYPE=application/x-www-form-urlencoded \
            BENCH_BODY="username=bench&password=$BENCH_PASSWORD" \
            run_wrk "$token_out" --timeout 30s -t1 -c50 -d$((B1_ROUND_SECONDS + 2))s \
            -s "$BENCH_DIR/lua/post.lua" "$SVC_URL" &
        local token_pid=$!
        sleep 1
        export BENCH_AUTH="Bearer $TOKEN"
        run_wrk "$loaded_out" --latency --timeout 30s -t1 -c10 -d"$B1_ROUND_SECONDS"s \
            -s "$BENCH_DIR/lua/get_calls.lua" "$SVC_URL"
        wait "$token_pid" || true
        unset BENCH_IDS BENCH_AUTH

        local quiet loaded
        quiet=$(wrk_p99_ms "$quiet_out")
        loaded=$(wrk_p99_ms "$loaded_out")
        bad=$((bad + $(wrk_non2xx "$loaded_out") + $(wrk_non2xx "$quiet_out")))
        other=$((other + $(wrk_other "$token_out")))
        tokens=$((tokens + $(wrk_ok "$token_out")))
        timeouts=$((timeouts + $(wrk_errors "$token_out")))
        if [ -z "$quiet" ] || [ "$(wrk_requests "$quiet_out")" = 0 ] || [ "$bad" -gt 0 ] ||
            [ "$other" != 0 ]; then
            record B5 "GET p99 under bcrypt load" "${loaded:-?} ms" "${quiet:-?} ms" "-" "≤ 2.0×" \
                broken "GET non-2xx: $bad; token failures: $other"
            return 1
        fi
        local token_note="$tokens tokens in $((round * (B1_ROUND_SECONDS + 2))) s ($timeouts timed out after 30 s)"
        if [ "$(wrk_requests "$loaded_out")" = 0 ]; then
            # Not one GET came back while bcrypt ran: a result (the GETs starve), not a broken run.
            record B5 "GET p99 while 50 clients POST /api/v2/token" \
                "no GET answered in ${B1_ROUND_SECONDS} s" "$quiet ms unloaded" "∞" "≤ 2.0×" miss \
                "$token_note"
            return 0
        fi
        ratios+=("$(calc '%.3f' "$loaded / $quiet")")
        quiet_p99s+=("$quiet")
        loaded_p99s+=("$loaded")
        [ "$round" = 1 ] && quiet_rps=$(wrk_rps "$quiet_out") && loaded_rps=$(wrk_rps "$loaded_out")
    done
    local ratio
    ratio=$(calc '%.2f' "$(median "${ratios[@]}")")
    record B5 "GET p99 while 50 clients POST /api/v2/token" "$(median "${loaded_p99s[@]}") ms" \
        "$(median "${quiet_p99s[@]}") ms unloaded" "$ratio×" "≤ 2.0×" "$(pass_if "$ratio <= 2.0")" \
        "median of ${#ratios[@]} alternating ${B1_ROUND_SECONDS} s rounds, round ratios ${ratios[*]}; $tokens tokens in $((${#ratios[@]} * (B1_ROUND_SECONDS + 2))) s ($timeouts timed out after 30 s); GET $loaded_rps vs $quiet_rps req/s (round 1)"
}
