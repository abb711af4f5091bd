# B4: memory per call in flight. VmRSS of the service with no call, then with CALLS calls
# ringing (numbers ending in 2 never answer; the simulator runs 10x slower and the originate
# timeout is 600 s, so none ends during the run). Leaves the calls in flight for B1, B5, B6.
b4_memory() {
    local rss0 rss1 active created out="$WORK/b4-create.txt"
    curl -sf -H "Authorization: Bearer $TOKEN" "$SVC_URL/api/v2/calls?limit=1" >/dev/null
    sleep 1
    rss0=$(rss_kib "$SVC_PID")
    note_command "grep VmRSS /proc/\$SERVICE_PID/status   # before: $rss0 KiB"
    local cmd=("$WS_CLIENT" post --url "$SVC_URL/api/v2/calls" --header "Authorization: Bearer $TOKEN"
        --body '{"phone_number": "+15550000002", "timeout": 600000}' --count "$CALLS"
        --connections 32 --seconds "$CREATE_SECONDS")
    note_command "${cmd[*]}"
    "${cmd[@]}" >"$out" 2>&1 || true
    created=$(kv ok "$(tail -1 "$out")")
    if [ -z "$created" ] || [ "$created" -eq 0 ] || [ "$(kv other "$(tail -1 "$out")")" != 0 ]; then
        record B4 "memory per call in flight" "-" "-" "-" "≤ 2 KiB/call" broken \
            "calls not created: $(tail -1 "$out")"
        return 1
    fi
    # Wait until every created call is dialing or ringing (no pending originate left).
    local last=-1 stable=0
    for _ in $(seq 1 300); do
        active=$(metric calls_active)
        if [ "$active" = "$last" ] && [ "$(metric calls_pending)" = 0 ]; then
            stable=$((stable + 1))
            [ "$stable" -ge 5 ] && break
        else
            stable=0
        fi
        last=$active
        sleep 0.2
    done
    rss1=$(rss_kib "$SVC_PID")
    note_command "grep VmRSS /proc/\$SERVICE_PID/status   # after: $rss1 KiB with $active calls in flight"
    if [ "$active" -lt $((created * 9 / 10)) ]; then
        record B4 "memory per call in flight" "-" "-" "-" "≤ 2 KiB/call" broken \
            "only $active of $created calls in flight"
        return 1
    fi
    local per_call
    per_call=$(calc '%.2f' "($rss1 - $rss0) / $active")
    record B4 "memory per call in flight ($active calls)" "$per_call KiB/call" \
        "RSS $rss0 KiB with 0 calls → $rss1 KiB" "-" "≤ 2 KiB/call" \
        "$(pass_if "$per_call <= 2")" \
        "created at $(kv rate "$(tail -1 "$out")") calls/s (32 connections)$( [ "$created" -lt "$CALLS" ] && echo "; only $created of $CALLS created within ${CREATE_SECONDS} s")"
    B4_ACTIVE=$active
}
