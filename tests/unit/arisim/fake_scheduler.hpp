// A manual Scheduler for unit tests: time moves only when the test advances it.
#pragma once

#include <map>
#include <utility>

#include "arisim/scheduler.hpp"

namespace ccapi::arisim::testing {

class FakeScheduler final : public Scheduler {
public:
    explicit FakeScheduler(UnixMillis start = 1795308026539) : now_(start) {}

    TimerId after(std::chrono::milliseconds delay, Callback fn) override {
        TimerId id = next_++;
        due_.emplace(std::make_pair(now_ + delay.count(), id), std::move(fn));
        return id;
    }
    void cancel(TimerId id) override {
        for (auto it = due_.begin(); it != due_.end(); ++it) {
            if (it->first.second == id) {
                due_.erase(it);
                return;
            }
        }
    }
    void cancelAll() override { due_.clear(); }
    UnixMillis now() const override { return now_; }

    // Runs every callback due within `duration`, in order, moving the clock to each.
    void advance(std::chrono::milliseconds duration) {
        UnixMillis target = now_ + duration.count();
        while (!due_.empty() && due_.begin()->first.first <= target) {
            auto it = due_.begin();
            now_ = it->first.first;
            auto fn = std::move(it->second);
            due_.erase(it);
            fn();
        }
        now_ = target;
    }
    void runReady() { advance(std::chrono::milliseconds(0)); }
    std::size_t pending() const { return due_.size(); }
    UnixMillis elapsedSince(UnixMillis t) const { return now_ - t; }

private:
    UnixMillis now_;
    TimerId next_ = 1;
    std::map<std::pair<UnixMillis, TimerId>, Callback> due_;
};

}  // namespace ccapi::arisim::testing
