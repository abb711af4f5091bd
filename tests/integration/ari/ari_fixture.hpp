// The fixture of the ARI client tests that run against the simulator: the simulator on its own
// thread, the client on another (as on the engine's I/O thread), a recording listener.
#pragma once

#include <gtest/gtest.h>

#include "integration/ari/ari_test_support.hpp"
#include "unit/ari/fake_clock.hpp"

namespace ccapi::ari::test {

class AriClientTest : public ::testing::Test {
protected:
    void TearDown() override { client_.reset(); }

    AriClient& makeClient(AriOptions options, const Clock* clock = nullptr) {
        client_ = clock ? makeAriClient(io_.executor(), std::move(options), *clock)
                        : makeAriClient(io_.executor(), std::move(options));
        return *client_;
    }
    AriClient& makeClient() { return makeClient(testOptions(sim().baseUrl())); }

    SimulatorPeer& sim() { return *sim_; }
    // Replaces the simulator by one with other options (before makeClient()).
    void restartSimulator(arisim::SimulatorOptions options) {
        sim_.reset();
        sim_ = std::make_unique<SimulatorPeer>(std::move(options));
    }

    // Starts the event socket and waits until the app is registered.
    void connectEvents() {
        client_->start(listener_);
        ASSERT_TRUE(listener_.waitConnects(1)) << client_->lastError();
    }

    // Awaits one REST call on the client's thread; a call that outlives its deadline by far is a
    // test failure, not a hang.
    RestOutcome await(Task<RestOutcome> task) {
        auto outcome = io_.run(std::move(task));
        if (!outcome) {
            ADD_FAILURE() << "REST call did not finish";
            return RestOutcome{RestOutcome::Kind::kUnreachable, 0, "test: no result", ""};
        }
        return *outcome;
    }

    Task<RestOutcome> originateTask(const std::string& endpoint, const std::string& channel_id,
                                    std::map<std::string, std::string> variables = {}) {
        OriginateRequest request;
        request.endpoint = endpoint;
        request.channel_id = channel_id;
        request.caller_id = "Test <+15550001111>";
        request.timeout_s = 30;
        request.variables = std::move(variables);
        return client_->originate(std::move(request));
    }

    RestOutcome originate(const std::string& endpoint, const std::string& channel_id,
                          std::map<std::string, std::string> variables = {}) {
        return await(originateTask(endpoint, channel_id, std::move(variables)));
    }

    // Declared in destruction order: the client goes first (TearDown), then its thread, then
    // the listener and clock it used, then the simulator.
    std::unique_ptr<SimulatorPeer> sim_ = std::make_unique<SimulatorPeer>();
    FakeClock clock_;
    RecordingListener listener_;
    IoThread io_;
    std::unique_ptr<AriClient> client_;
};

}  // namespace ccapi::ari::test
