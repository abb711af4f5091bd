// Fan-out of stream messages to every live stream client (WebSocket and SSE sessions): a
// thread-safe registry of subscribers, each with its filter, its executor and a bounded queue.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "events/stream_filter.hpp"
#include "events/stream_message.hpp"

namespace ccapi::events {

namespace detail {
class Subscriber;
struct HubState;
}  // namespace detail

struct SubscribeOptions {
    StreamFilter filter;
    // Where `wake` runs: the session's own I/O thread.
    boost::asio::any_io_executor executor;
    // Messages the subscriber may have waiting; one more and it is overflowed (a slow consumer).
    std::size_t queue_limit = 1000;
    // Posted to `executor` when the queue goes from empty to non-empty, on overflow and on
    // closeAll(); at most once per such change, so a busy stream is woken once per batch.
    std::function<void()> wake;
};

// What a subscriber's queue says when the session takes from it.
enum class QueueState {
    kOpen,        // live
    kOverflowed,  // fell queue_limit behind: what was queued is gone; drop the client
    kClosed,      // EventHub::closeAll(): the service is shutting down
};

// A session's handle on its subscription; unsubscribes when destroyed. Move-only; used only on
// the session's executor. It may outlive the hub (it then does nothing).
class Subscription {
public:
    Subscription() = default;
    Subscription(Subscription&&) noexcept;
    Subscription& operator=(Subscription&&) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

    // Moves every queued message into `out` (its previous contents are dropped, its capacity
    // kept, so a session that reuses one vector allocates nothing in steady state).
    QueueState take(std::vector<StreamMessagePtr>& out);
    QueueState state() const;
    // Forgets an overflow and what was queued: for a stream that re-reads the store anyway (an
    // SSE resume still replaying), so a burst during the replay costs nothing.
    void clearOverflow();
    void reset();  // unsubscribes now
    explicit operator bool() const { return subscriber_ != nullptr; }

private:
    friend class EventHub;
    Subscription(std::shared_ptr<detail::Subscriber> subscriber,
                 std::weak_ptr<detail::HubState> hub);

    std::shared_ptr<detail::Subscriber> subscriber_;
    std::weak_ptr<detail::HubState> hub_;
};

// Owned by the composition root and shared by the EventFeed (the publisher) and EventsApi (the
// sessions). Every member is thread-safe. publish() never waits for a client: it takes each
// matching subscriber's lock only to append pointers, and posts the wake-ups.
class EventHub {
public:
    EventHub();
    ~EventHub();
    EventHub(const EventHub&) = delete;
    EventHub& operator=(const EventHub&) = delete;

    // After closeAll() the subscription starts (and stays) kClosed.
    Subscription subscribe(SubscribeOptions options);

    // Appends each message to the queue of every subscriber whose filter matches it, in order.
    // Publish in event_id order from one publisher (the EventFeed).
    void publish(std::span<const StreamMessagePtr> batch);
    void publish(const StreamMessagePtr& message) { publish(std::span(&message, 1)); }

    // Graceful shutdown: every subscriber (and any later one) becomes kClosed and is woken.
    void closeAll();
    bool closed() const;

    std::size_t subscribers() const;

private:
    std::shared_ptr<detail::HubState> state_;
};

}  // namespace ccapi::events
