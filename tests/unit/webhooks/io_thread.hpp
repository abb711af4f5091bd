// One io_context on its own thread for the webhook tests, and a way to await a Task from a test
// under a hard deadline.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "core/async.hpp"

namespace ccapi::webhooks::test {

using namespace std::chrono_literals;

// Like one of the service's I/O threads (ADR 0001). Owned by one test.
class IoThread {
public:
    IoThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
    ~IoThread() {
        guard_.reset();
        io_.stop();
        thread_.join();
    }
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    asio::any_io_executor executor() { return io_.get_executor(); }

    // Runs `task` here and waits for its result; nullopt when it did not finish in time.
    template <class T>
    std::optional<T> run(Task<T> task, std::chrono::milliseconds timeout = 30s) {
        auto future = asio::co_spawn(io_.get_executor(), std::move(task), asio::use_future);
        if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
        return future.get();
    }

    // Starts `task` here; the future is ready when it returns.
    std::future<void> start(Task<void> task) {
        return asio::co_spawn(io_.get_executor(), std::move(task), asio::use_future);
    }

private:
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::thread thread_;
};

}  // namespace ccapi::webhooks::test
