// Settings of the ARI simulator: listen address, credentials, identity and dialplan timings.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ccapi::arisim {

using Millis = std::chrono::milliseconds;

struct SimulatorOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: an ephemeral port, see AriSimulator::port()
    std::string username = "ariuser";
    std::string password = "aripass";
    std::string asterisk_id = "02:fc:00:00:00:01";
    std::string version = "22.11.0-rc1";

    // Reference dialplan timings (traces/README.md). `answer_after` is the ringing time of
    // sim,answer / answer-long / busy (Wait(1)); `hangup_after` how long an answered callee
    // stays before hanging up (Wait(2) in sim,answer, i.e. every answered phone number).
    Millis answer_after{1000};
    Millis hangup_after{2000};
    Millis answer_long_hold{20000};
    Millis ivr_hold{2000};         // outbound-ivr,s: Answer, Wait(2), Hangup
    Millis noanswer_ring{120000};  // sim,noanswer: Wait(120)
    // Every simulated duration (dialplan waits, originate timeouts, shutdown delays) is
    // multiplied by this factor; 0.1 runs the dialplan ten times faster. Wire values (the
    // "Wait(2)" in ChannelDialplan events, timeouts in requests) are never rewritten.
    double time_scale = 1.0;

    std::size_t session_limit = 100;  // http.conf sessionlimit: extra connections are dropped
    Millis http_idle_timeout{15000};  // idle keep-alive connections are closed after this
    // Slow consumer: an event socket whose kernel send buffer stays full this long is closed
    // without a close frame (ari.conf websocket_write_timeout, 100 ms on Asterisk). The default
    // is larger because the simulator emits bursts faster than Asterisk paces them; set 100 ms
    // to reproduce Asterisk exactly.
    Millis ws_write_timeout{500};
    bool control_endpoints = true;  // serve /_sim/... fault-injection endpoints
};

}  // namespace ccapi::arisim
