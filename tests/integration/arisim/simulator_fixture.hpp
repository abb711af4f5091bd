// Runs an AriSimulator on its own io_context thread for the duration of a test.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>

#include "arisim/simulator.hpp"

namespace ccapi::arisim::testing {

class RunningSimulator {
public:
    explicit RunningSimulator(SimulatorOptions options = {})
        : guard_(boost::asio::make_work_guard(io_)),
          simulator_(std::make_unique<AriSimulator>(io_, std::move(options))) {
        start_error_ = simulator_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~RunningSimulator() {
        simulator_->stop();
        guard_.reset();
        io_.stop();
        thread_.join();
        simulator_.reset();
    }

    AriSimulator& operator*() { return *simulator_; }
    AriSimulator* operator->() { return simulator_.get(); }
    ErrorCode startError() const { return start_error_; }
    std::uint16_t port() const { return simulator_->port(); }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::unique_ptr<AriSimulator> simulator_;
    ErrorCode start_error_;
    std::thread thread_;
};

}  // namespace ccapi::arisim::testing
