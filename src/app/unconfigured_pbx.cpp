#include "app/unconfigured_pbx.hpp"

namespace ccapi::app {

Task<engine::SubmitResult> UnconfiguredCallControl::submit(storage::Call call) {
    auto now = clock_.now();
    storage::CallEvent failed;
    failed.call_id = call.call_id;
    failed.seq = call.version + 1;
    failed.status = storage::CallStatus::kFailed;
    failed.previous_status = call.status;
    failed.at = now;
    failed.source = storage::EventSource::kApi;
    failed.detail = "PBX not configured (set ARI_HTTP_URL)";
    call.status = storage::CallStatus::kFailed;
    call.version += 1;
    call.ended_at = now;
    call.updated_at = now;
    call.failure_reason = "PBX not configured";
    storage::CallUpdate update;
    update.call = call;
    update.events.push_back(failed);
    for (auto& url : storage::webhookTargets(call, failed.status, webhook_url_)) {
        update.outbox.push_back(storage::OutboxEntry{0, std::move(url)});
    }
    std::vector<storage::CallUpdate> batch{std::move(update)};
    auto write = [this, batch] { return store_.apply(batch); };
    auto ids = co_await offload(blocking_, std::move(write));
    if (ids && !ids->empty() && observer_) {
        failed.event_id = ids->front();
        observer_->onCommitted(call, failed);
    }
    engine::SubmitResult result;
    result.outcome = engine::SubmitResult::Outcome::kUnavailable;
    result.call = std::move(call);
    result.retry_after_s = 60;
    co_return result;
}

Task<engine::HangupResult> UnconfiguredCallControl::hangup(std::string) {
    co_return engine::HangupResult{};
}

}  // namespace ccapi::app
