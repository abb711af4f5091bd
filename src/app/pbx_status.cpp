#include "app/pbx_status.hpp"

namespace ccapi::app {

api::PbxStatus AriPbxStatus::pbxStatus() const {
    api::PbxStatus s;
    s.configured = true;
    bool http = ari_.httpReachable();
    bool ws = ari_.eventsConnected();
    auto breaker = ari_.breakerState();
    s.http = http ? "ok" : "unreachable";
    s.websocket = ws ? "connected" : "disconnected";
    s.circuit_breaker = std::string(ari::toString(breaker));
    s.detail = ari_.lastError();
    bool replaced = s.detail.find("ApplicationReplaced") != std::string::npos;
    s.status = http && ws && breaker == ari::BreakerState::kClosed && !replaced ? "ok" : "degraded";
    return s;
}

}  // namespace ccapi::app
