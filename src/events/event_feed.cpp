#include "events/event_feed.hpp"

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
    started_.store(true, std::memory_order_release);
    co_return Result<void>();
}

Task<Result<EventFeed::Page>> EventFeed::readPage(std::int64_t after) {
    auto read = [&store = store_, after, limit = options_.page_size]() -> Result<Page> {
        auto rows = store.eventsWithCallsAfter(after, limit);
        if (!rows) return rows.error();
        Page page;
        page.read = rows->size();
        page.messages.reserve(rows->size());
        for (const auto& row : *rows) {
            page.messages.push_back(makeStreamMessage(row.call, row.event));
            page.last_id = row.event.event_id;
        }
        return page;
    };
    co_return co_await offload(blocking_, std::move(read));
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
                // must get whatever was committed after it subscribed.
                auto newest_read = [&store = store_] { return store.lastEventId(); };
                auto newest = co_await offload(blocking_, std::move(newest_read));
                if (!newest) {
                    failed("event feed: cannot read the last event id", newest.error());
                    break;
                }
                if (hub_.subscribers() == 0) {
                    if (*newest > after) last_.store(*newest, std::memory_order_relaxed);
                    failing = false;
                    break;
                }
            }
            auto page = co_await readPage(after);
            if (!page) {
                failed("event feed: cannot read the event log", page.error());
                break;
            }
            failing = false;
            if (!page->messages.empty()) hub_.publish(page->messages);
            if (page->read > 0) last_.store(page->last_id, std::memory_order_relaxed);
            if (page->read < options_.page_size) break;
        }
        if (stopped_.load(std::memory_order_acquire)) break;
        if (pending_.load(std::memory_order_acquire)) continue;
        // A notify() after the check above is posted to this thread, so it runs once this
        // coroutine is suspended below and cancels the wait.
        timer_.expires_after(options_.poll_interval);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace ccapi::events
