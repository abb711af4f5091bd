// Call control when no PBX is configured (no ARI_HTTP_URL outside demo mode): every call fails
// at once with "PBX not configured" and a 503, instead of waiting for a PBX that never comes.
#pragma once

#include "core/async.hpp"
#include "engine/call_control.hpp"
#include "storage/stores.hpp"

namespace ccapi::app {

class UnconfiguredCallControl final : public engine::CallControl {
public:
    UnconfiguredCallControl(storage::CallStore& store, BlockingPool& blocking, const Clock& clock,
                            std::optional<std::string> webhook_url)
        : store_(store), blocking_(blocking), clock_(clock), webhook_url_(std::move(webhook_url)) {}

    void setObserver(engine::CallObserver* observer) { observer_ = observer; }

    Task<engine::SubmitResult> submit(storage::Call call) override;
    Task<engine::HangupResult> hangup(std::string call_id) override;

private:
    storage::CallStore& store_;
    BlockingPool& blocking_;
    const Clock& clock_;
    std::optional<std::string> webhook_url_;
    engine::CallObserver* observer_ = nullptr;
};

}  // namespace ccapi::app
