#include "events/event_feed.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/logging.hpp"

namespace ccapi::events {

namespace asio = boost::asio;

struct EventFeed::Page {
    std::vector<StreamMessagePtr> messages;
    std::size_t read = 0;      // events read (a full page means more may follow)
    std::int64_t last_id = 0;  // the highest event_id read
    std::int64_t settled_through = 0;
    bool stopped_at_gap = false;
};

EventFeed::EventFeed(asio::any_io_executor executor, storage::CallStore& store,
                     BlockingPool& blocking, EventHub& hub, EventFeedOptions options)
    : executor_(std::move(executor)),
      store_(store),
      blocking_(blocking),
      hub_(hub),
      options_(options),
      timer_(executor_) {
    if (options_.page_size == 0) options_.page_size = 1;
}

void EventFeed::onCommitted(const storage::Call&, const storage::CallEvent&) { notify(); }

void EventFeed::notify() {
    // One post per burst: until run() takes the flag, further commits only find it set.
    if (pending_.exchange(true, std::memory_order_acq_rel)) return;
    wakeOnExecutor();
}

void EventFeed::wakeOnExecutor() {
    asio::post(executor_, [this] { timer_.cancel(); });
}

void EventFeed::stop() {
    stopped_.store(true, std::memory_order_release);
    wakeOnExecutor();
}

Task<Result<void>> EventFeed::start() {
    auto read = [&store = store_] { return store.lastEventId(); };
    auto last = co_await offload(blocking_, std::move(read));
    if (!last) co_return last.error();
    last_.store(*last, std::memory_order_relaxed);
    settled_through_ = *last;
    started_.store(true, std::memory_order_release);
    co_return Result<void>();
}

Task<Result<EventFeed::Page>> EventFeed::readPage(std::int64_t after,
                                                  storage::CallStore::LogRead how) {
    auto read = [&store = store_, after, settled = settled_through_, limit = options_.page_size,
                 how]() -> Result<Page> {
        auto log = store.readEventLog(after, settled, limit, how);
        if (!log) return log.error();
        Page page;
        page.read = log->rows.size();
        page.settled_through = log->settled_through;
        page.stopped_at_gap = log->stopped_at_gap;
        page.messages.reserve(log->rows.size());
        for (const auto& row : log->rows) {
            page.messages.push_back(makeStreamMessage(row.call, row.event));
            page.last_id = row.event.event_id;
        }
        return page;
    };
    co_return co_await offload(blocking_, std::move(read));
}

std::chrono::steady_clock::duration EventFeed::nextWait() const {
    std::chrono::steady_clock::duration wait = options_.poll_interval;
    if (gap_seen_) {
        auto gap_due = *gap_seen_ + options_.gap_wait - std::chrono::steady_clock::now();
        wait = std::clamp(gap_due, std::chrono::steady_clock::duration::zero(), wait);
    }
    return wait;
}

Task<void> EventFeed::run() {
    bool failing = false;
    auto failed = [&failing](std::string_view what, const ErrorCode& ec) {
        if (!failing) log::warn(what, {{"error", ec.message()}});
        failing = true;
    };
    while (!stopped_.load(std::memory_order_acquire)) {
        pending_.store(false, std::memory_order_release);
        if (!started()) {
            auto begun = co_await start();
            if (!begun) failed("event feed: cannot read the last event id", begun.error());
        }
        while (started() && !stopped_.load(std::memory_order_acquire)) {
            auto after = last_.load(std::memory_order_relaxed);
            if (hub_.subscribers() == 0) {
                // Nobody listens: skip ahead instead of reading and building every event. Only
                // when still nobody listens after the read: a client that subscribed meanwhile
                // must get whatever was committed after it subscribed. At most once a poll
                // interval, not after every commit: on PostgreSQL each skip waits for the
                // writers in flight, and holds new ones back while it waits.
                auto now = std::chrono::steady_clock::now();
                if (now - skipped_at_ < options_.poll_interval) break;
                skipped_at_ = now;
                auto newest_read = [&store = store_] { return store.lastEventId(); };
                auto newest = co_await offload(blocking_, std::move(newest_read));
                if (!newest) {
                    failed("event feed: cannot read the last event id", newest.error());
                    break;
                }
                if (hub_.subscribers() == 0) {
                    if (*newest > after) last_.store(*newest, std::memory_order_relaxed);
                    settled_through_ = std::max(settled_through_, *newest);
                    gap_seen_.reset();
                    failing = false;
                    break;
                }
            }
            // The cheap read, unless it has stopped before the same missing id for gap_wait.
            auto how = storage::CallStore::LogRead::kCommitted;
            if (gap_seen_ && std::chrono::steady_clock::now() - *gap_seen_ >= options_.gap_wait) {
                how = storage::CallStore::LogRead::kSettled;
            }
            auto page = co_await readPage(after, how);
            if (!page) {
                failed("event feed: cannot read the event log", page.error());
                break;
            }
            failing = false;
            settled_through_ = std::max(settled_through_, page->settled_through);
            if (!page->messages.empty()) hub_.publish(page->messages);
            if (page->read > 0) last_.store(page->last_id, std::memory_order_relaxed);
            if (page->stopped_at_gap) {
                // A new gap (the read moved on) starts its own wait.
                if (page->read > 0 || !gap_seen_) gap_seen_ = std::chrono::steady_clock::now();
                break;
            }
            gap_seen_.reset();
            if (page->read < options_.page_size) break;
        }
        if (stopped_.load(std::memory_order_acquire)) break;
        if (pending_.load(std::memory_order_acquire)) continue;
        // A notify() after the check above is posted to this thread, so it runs once this
        // coroutine is suspended below and cancels the wait.
        timer_.expires_after(nextWait());
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace ccapi::events
