#include "events/event_hub.hpp"

#include <algorithm>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <shared_mutex>

namespace ccapi::events {

namespace asio = boost::asio;

namespace detail {

// One stream client's mailbox. The hub appends from the publisher's thread; the session takes
// on its own executor; `mutex_` covers the queue and its state.
class Subscriber {
public:
    explicit Subscriber(SubscribeOptions options)
        : executor(std::move(options.executor)),
          context(&asio::query(executor, asio::execution::context)),
          filter_(std::move(options.filter)),
          wake_(std::move(options.wake)),
          limit_(std::max<std::size_t>(1, options.queue_limit)) {}

    // Appends the messages it wants; true when the session must be woken (the queue was empty,
    // or it just overflowed).
    bool offer(std::span<const StreamMessagePtr> batch) {
        // The filter runs before the lock: in a wide fan-out most subscribers want nothing.
        std::size_t first = 0;
        while (first < batch.size() && !filter_.matches(*batch[first])) ++first;
        if (first == batch.size()) return false;
        std::lock_guard lock(mutex_);
        if (state_ != QueueState::kOpen) return false;
        bool was_empty = queue_.empty();
        for (std::size_t i = first; i < batch.size(); ++i) {
            if (i != first && !filter_.matches(*batch[i])) continue;
            if (queue_.size() >= limit_) {
                state_ = QueueState::kOverflowed;
                queue_.clear();
                return true;
            }
            queue_.push_back(batch[i]);
        }
        return was_empty;
    }

    // true when the state changed (the session must be woken).
    bool close() {
        std::lock_guard lock(mutex_);
        if (state_ == QueueState::kClosed) return false;
        state_ = QueueState::kClosed;
        queue_.clear();
        return true;
    }

    QueueState take(std::vector<StreamMessagePtr>& out) {
        out.clear();
        std::lock_guard lock(mutex_);
        out.swap(queue_);
        return state_;
    }

    QueueState state() {
        std::lock_guard lock(mutex_);
        return state_;
    }

    void clearOverflow() {
        std::lock_guard lock(mutex_);
        if (state_ != QueueState::kOverflowed) return;
        state_ = QueueState::kOpen;
        queue_.clear();
    }

    void wake() {
        if (wake_) wake_();
    }

    const asio::any_io_executor executor;
    const asio::execution_context* const context;  // groups wake-ups per I/O thread
    std::size_t slot = kNoSlot;                    // index in HubState::subscribers
    static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);

private:
    const StreamFilter filter_;
    const std::function<void()> wake_;
    const std::size_t limit_;
    std::mutex mutex_;
    std::vector<StreamMessagePtr> queue_;
    QueueState state_ = QueueState::kOpen;
};

struct HubState {
    mutable std::shared_mutex mutex;  // publish shares it; (un)subscribe and closeAll own it
    std::vector<std::shared_ptr<Subscriber>> subscribers;
    bool closed = false;
};

namespace {

// Posts the wake-ups, one handler per executor rather than one per subscriber: a fan-out to
// 10,000 clients on two I/O threads costs two posts.
void wakeAll(std::vector<std::shared_ptr<Subscriber>> list) {
    if (list.empty()) return;
    if (list.size() == 1) {
        auto subscriber = std::move(list.front());
        auto executor = subscriber->executor;
        asio::post(executor, [subscriber = std::move(subscriber)] { subscriber->wake(); });
        return;
    }
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a->context < b->context; });
    std::size_t begin = 0;
    while (begin < list.size()) {
        auto executor = list[begin]->executor;
        std::size_t end = begin + 1;
        while (end < list.size() && list[end]->executor == executor) ++end;
        std::vector<std::shared_ptr<Subscriber>> group(
            std::make_move_iterator(list.begin() + static_cast<std::ptrdiff_t>(begin)),
            std::make_move_iterator(list.begin() + static_cast<std::ptrdiff_t>(end)));
        asio::post(executor, [group = std::move(group)] {
            for (const auto& subscriber : group) subscriber->wake();
        });
        begin = end;
    }
}

}  // namespace

}  // namespace detail

// ---- Subscription ----

Subscription::Subscription(std::shared_ptr<detail::Subscriber> subscriber,
                           std::weak_ptr<detail::HubState> hub)
    : subscriber_(std::move(subscriber)), hub_(std::move(hub)) {}

Subscription::Subscription(Subscription&& other) noexcept
    : subscriber_(std::move(other.subscriber_)), hub_(std::move(other.hub_)) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
    if (this != &other) {
        reset();
        subscriber_ = std::move(other.subscriber_);
        hub_ = std::move(other.hub_);
    }
    return *this;
}

Subscription::~Subscription() { reset(); }

void Subscription::reset() {
    if (!subscriber_) return;
    if (auto hub = hub_.lock()) {
        std::unique_lock lock(hub->mutex);
        auto slot = subscriber_->slot;
        auto& list = hub->subscribers;
        if (slot != detail::Subscriber::kNoSlot && slot < list.size()) {
            if (slot + 1 != list.size()) {
                list[slot] = std::move(list.back());
                list[slot]->slot = slot;
            }
            list.pop_back();
            subscriber_->slot = detail::Subscriber::kNoSlot;
        }
    }
    subscriber_.reset();
    hub_.reset();
}

QueueState Subscription::take(std::vector<StreamMessagePtr>& out) {
    if (!subscriber_) {
        out.clear();
        return QueueState::kClosed;
    }
    return subscriber_->take(out);
}

QueueState Subscription::state() const {
    return subscriber_ ? subscriber_->state() : QueueState::kClosed;
}

void Subscription::clearOverflow() {
    if (subscriber_) subscriber_->clearOverflow();
}

// ---- EventHub ----

EventHub::EventHub() : state_(std::make_shared<detail::HubState>()) {}

EventHub::~EventHub() = default;

Subscription EventHub::subscribe(SubscribeOptions options) {
    auto subscriber = std::make_shared<detail::Subscriber>(std::move(options));
    {
        std::unique_lock lock(state_->mutex);
        if (state_->closed) {
            subscriber->close();
        } else {
            subscriber->slot = state_->subscribers.size();
            state_->subscribers.push_back(subscriber);
        }
    }
    return Subscription(std::move(subscriber), state_);
}

void EventHub::publish(std::span<const StreamMessagePtr> batch) {
    if (batch.empty()) return;
    std::vector<std::shared_ptr<detail::Subscriber>> to_wake;
    {
        std::shared_lock lock(state_->mutex);
        for (const auto& subscriber : state_->subscribers) {
            if (subscriber->offer(batch)) to_wake.push_back(subscriber);
        }
    }
    detail::wakeAll(std::move(to_wake));
}

void EventHub::closeAll() {
    std::vector<std::shared_ptr<detail::Subscriber>> to_wake;
    {
        std::unique_lock lock(state_->mutex);
        state_->closed = true;
        for (const auto& subscriber : state_->subscribers) {
            if (subscriber->close()) to_wake.push_back(subscriber);
        }
    }
    detail::wakeAll(std::move(to_wake));
}

bool EventHub::closed() const {
    std::shared_lock lock(state_->mutex);
    return state_->closed;
}

std::size_t EventHub::subscribers() const {
    std::shared_lock lock(state_->mutex);
    return state_->subscribers.size();
}

}  // namespace ccapi::events
