// Turns the stored event log into live stream messages: follows call_events by event_id and
// publishes each new event, built once, to the EventHub.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/async.hpp"
#include "core/result.hpp"
#include "engine/call_control.hpp"
#include "events/event_hub.hpp"
#include "storage/stores.hpp"

namespace ccapi::events {

struct EventFeedOptions {
    // The safety net: the log is read this often even without a wake-up.
    std::chrono::milliseconds poll_interval{250};
    std::size_t page_size = 1000;
    // How long a missing id may hold the feed back before it waits for the writers in flight
    // (CallStore::LogRead::kSettled). A writer in flight fills its id in when it commits and
    // wakes the feed; an id rolled back never does, and costs the events after it this long.
    std::chrono::milliseconds gap_wait{50};
};

// The log (not the observer call) is the source of truth, so every stream sees events in
// strictly increasing event_id order with no gap, whoever committed them (engine group commit,
// API create) and in whatever order the observers were told.
//
// Owned by the composition root. run() and start() run on `executor`, which must be
// single-threaded (one I/O thread's io_context, or a strand); notify(), onCommitted() and stop()
// may be called from any thread and never block. The store is read on the BlockingPool, where
// the messages are built too.
class EventFeed final : public engine::CallObserver {
public:
    EventFeed(boost::asio::any_io_executor executor, storage::CallStore& store,
              BlockingPool& blocking, EventHub& hub, EventFeedOptions options = {});

    // A wake-up: something was committed.
    void onCommitted(const storage::Call& call, const storage::CallEvent& event) override;
    void notify();

    // Starts following at the store's lastEventId(): events already stored are history (an SSE
    // client gets them through Last-Event-ID). Fails when the store cannot say.
    Task<Result<void>> start();
    // Publishes until stop(). Calls start() first if it has not succeeded yet (retrying while
    // the store is down). Spawn it on executor().
    Task<void> run();
    // Ends run() after the page in flight; safe from any thread.
    void stop();

    const boost::asio::any_io_executor& executor() const { return executor_; }
    // start() has succeeded: from here on every commit gets published.
    bool started() const { return started_.load(std::memory_order_acquire); }
    // The last event_id published (or skipped as history); 0 before start().
    std::int64_t lastEventId() const { return last_.load(std::memory_order_relaxed); }

private:
    struct Page;
    Task<Result<Page>> readPage(std::int64_t after, storage::CallStore::LogRead how);
    void wakeOnExecutor();
    // How long run() sleeps before it reads again without a wake-up.
    std::chrono::steady_clock::duration nextWait() const;

    boost::asio::any_io_executor executor_;
    storage::CallStore& store_;
    BlockingPool& blocking_;
    EventHub& hub_;
    EventFeedOptions options_;
    boost::asio::steady_timer timer_;  // only on executor_
    std::atomic<bool> pending_{false};
    std::atomic<bool> stopped_{false};
    std::atomic<std::int64_t> last_{0};
    std::atomic<bool> started_{false};
    // Only on executor_: every id up to here is committed or rolled back; and since when the
    // read has stopped before the same missing id.
    std::int64_t settled_through_ = 0;
    std::optional<std::chrono::steady_clock::time_point> gap_seen_;
    std::chrono::steady_clock::time_point skipped_at_{};  // the last skip while nobody listened
};

}  // namespace ccapi::events
