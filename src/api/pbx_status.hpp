// How /health and /readiness learn the state of the PBX side (implemented by the call engine).
#pragma once

#include <string>

namespace ccapi::api {

struct PbxStatus {
    bool configured = false;
    std::string status = "not configured";     // "ok" | "degraded" | "down" | "not configured"
    std::string http = "not configured";       // ARI REST side
    std::string websocket = "not configured";  // ARI event socket
    std::string circuit_breaker = "closed";
    std::string detail;  // e.g. "ApplicationReplaced: …"
    bool httpReachable() const { return !configured || http == "ok"; }
};

// Called on I/O threads: must answer from memory, never block.
class PbxStatusSource {
public:
    virtual ~PbxStatusSource() = default;
    virtual PbxStatus pbxStatus() const = 0;
};

// Before the call engine exists (and when ARI_HTTP_URL is unset outside demo mode).
class UnconfiguredPbx final : public PbxStatusSource {
public:
    PbxStatus pbxStatus() const override { return {}; }
};

}  // namespace ccapi::api
