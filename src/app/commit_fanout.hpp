// Tells everyone who follows commits that something was committed: the GET cache (drops the
// call), the event feed (streams) always, the webhook dispatcher only when the event has a
// receiver. Both are wake-ups; the
// store stays the source of truth for what they then send.
#pragma once

#include <optional>
#include <string>

#include "api/call_cache.hpp"
#include "engine/call_control.hpp"
#include "events/event_feed.hpp"
#include "webhooks/dispatcher.hpp"

namespace ccapi::app {

class CommitFanout final : public engine::CallObserver {
public:
    CommitFanout(api::CallCache& cache, events::EventFeed& feed, webhooks::Dispatcher& dispatcher,
                 std::optional<std::string> global_webhook_url)
        : cache_(cache),
          feed_(feed),
          dispatcher_(dispatcher),
          global_url_(std::move(global_webhook_url)) {}

    void onCommitted(const storage::Call& call, const storage::CallEvent& event) override {
        cache_.invalidate(call.call_id);
        feed_.onCommitted(call, event);
        if (storage::hasWebhookTargets(call, event.status, global_url_)) dispatcher_.notify();
    }

private:
    api::CallCache& cache_;
    events::EventFeed& feed_;
    webhooks::Dispatcher& dispatcher_;
    std::optional<std::string> global_url_;
};

}  // namespace ccapi::app
