// The fault-injection endpoints under /_sim/ (not part of ARI), so that tests running the
// simulator out of process can drive the same faults as AriSimulator's methods.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "arisim/faults.hpp"
#include "arisim/http_types.hpp"
#include "arisim/options.hpp"

namespace ccapi::arisim {

// Implemented by the simulator; every method runs on its io_context thread.
class SimulatorControl {
public:
    virtual ~SimulatorControl() = default;
    virtual void refuseOriginates(OriginateRefusal refusal) = 0;
    virtual void delayResponses(ResponseDelay delay) = 0;
    virtual void clearFaults() = 0;
    virtual void dropEventSockets(bool close_frame, std::string app) = 0;
    virtual void sendApplicationReplaced(std::string app) = 0;
    virtual void restart(Millis downtime) = 0;
    virtual void terminate(std::optional<Millis> restart_after) = 0;
    virtual void stopGracefully(std::optional<Millis> restart_after) = 0;
    virtual void setSessionLimit(std::size_t limit) = 0;
    virtual void setTimings(std::optional<Millis> answer_after, std::optional<Millis> hangup_after,
                            std::optional<double> time_scale) = 0;
    virtual boost::json::object stateJson() const = 0;
};

// POST /_sim/refuse-originates?status=500[&message=..][&body=<json>][&count=N][&mode=drop|hang]
// POST /_sim/delay-responses?ms=N[&method=POST][&path=/ari/channels][&count=N]
// POST /_sim/clear-faults
// POST /_sim/drop-event-sockets?close_frame=true|false[&app=NAME]
// POST /_sim/application-replaced?app=NAME
// POST /_sim/restart[?down_ms=N]                  SIGKILL, then back after N ms
// POST /_sim/terminate[?restart_after_ms=N]       SIGTERM (stays down unless restart_after_ms)
// POST /_sim/stop-gracefully[?restart_after_ms=N] core stop gracefully
// POST /_sim/session-limit?limit=N
// POST /_sim/timings?[answer_after_ms=N][&hangup_after_ms=N][&time_scale=X]
// GET  /_sim/state
HttpResponse handleControl(const HttpRequest& request, SimulatorControl& control);

}  // namespace ccapi::arisim
