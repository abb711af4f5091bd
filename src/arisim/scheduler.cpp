#include "arisim/scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unordered_map>
#include <unordered_set>

namespace ccapi::arisim {

struct AsioScheduler::State {
    std::uint64_t next_id = 1;
    std::unordered_map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers;
    std::unordered_set<TimerId> posted;  // zero delays: posted, so they run in FIFO order
};

AsioScheduler::AsioScheduler(boost::asio::io_context& io)
    : io_(io), state_(std::make_shared<State>()) {}

AsioScheduler::~AsioScheduler() { cancelAll(); }

Scheduler::TimerId AsioScheduler::after(std::chrono::milliseconds delay, Callback fn) {
    TimerId id = state_->next_id++;
    if (delay.count() <= 0) {
        state_->posted.insert(id);
        std::weak_ptr<State> weak = state_;
        boost::asio::post(io_, [weak, id, fn = std::move(fn)] {
            auto state = weak.lock();
            if (!state || state->posted.erase(id) == 0) return;  // cancelled
            fn();
        });
        return id;
    }
    auto timer = std::make_unique<boost::asio::steady_timer>(io_);
    timer->expires_after(delay);
    std::weak_ptr<State> weak = state_;
    timer->async_wait([weak, id, fn = std::move(fn)](boost::system::error_code ec) {
        auto state = weak.lock();
        if (!state) return;
        auto it = state->timers.find(id);
        if (it == state->timers.end()) return;  // cancelled
        state->timers.erase(it);
        if (!ec) fn();
    });
    state_->timers.emplace(id, std::move(timer));
    return id;
}

void AsioScheduler::cancel(TimerId id) {
    if (state_->posted.erase(id) > 0) return;
    auto it = state_->timers.find(id);
    if (it == state_->timers.end()) return;
    auto timer = std::move(it->second);
    state_->timers.erase(it);
    timer->cancel();
}

void AsioScheduler::cancelAll() {
    state_->posted.clear();
    auto timers = std::move(state_->timers);
    state_->timers.clear();
    for (auto& [id, timer] : timers) timer->cancel();
}

UnixMillis AsioScheduler::now() const { return wallNowMillis(); }

}  // namespace ccapi::arisim
