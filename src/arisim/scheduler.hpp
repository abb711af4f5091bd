// Timers for the simulated PBX: an Asio implementation for the server; tests substitute a
// manual one so that event sequences are checked without waiting.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "arisim/format.hpp"

namespace ccapi::arisim {

class Scheduler {
public:
    using TimerId = std::uint64_t;
    using Callback = std::function<void()>;

    virtual ~Scheduler() = default;
    // Runs `fn` once after `delay` (0: as soon as the caller has returned to the event loop).
    virtual TimerId after(std::chrono::milliseconds delay, Callback fn) = 0;
    // Harmless for unknown or already fired ids.
    virtual void cancel(TimerId id) = 0;
    virtual void cancelAll() = 0;
    virtual UnixMillis now() const = 0;  // wall clock for event timestamps
};

// Owned by AriSimulator; used only on the io_context's (single) thread. Pending callbacks never
// run after the scheduler is destroyed.
class AsioScheduler final : public Scheduler {
public:
    explicit AsioScheduler(boost::asio::io_context& io);
    ~AsioScheduler() override;

    TimerId after(std::chrono::milliseconds delay, Callback fn) override;
    void cancel(TimerId id) override;
    void cancelAll() override;
    UnixMillis now() const override;

private:
    struct State;
    boost::asio::io_context& io_;
    std::shared_ptr<State> state_;
};

}  // namespace ccapi::arisim
