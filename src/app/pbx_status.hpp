// Adapts the ARI client's state to what /health and /readiness report.
#pragma once

#include "api/pbx_status.hpp"
#include "ari/client.hpp"

namespace ccapi::app {

// Reads only thread-safe getters, so any I/O thread may ask.
class AriPbxStatus final : public api::PbxStatusSource {
public:
    explicit AriPbxStatus(const ari::AriClient& ari) : ari_(ari) {}
    api::PbxStatus pbxStatus() const override;

private:
    const ari::AriClient& ari_;
};

}  // namespace ccapi::app
