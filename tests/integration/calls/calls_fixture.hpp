// Integration fixture for calls: the real service process, the ARI simulator as a separate peer
// (in this test process, on its own thread, with fault injection), and users with tokens.
#pragma once

#include <boost/asio/io_context.hpp>
#include <thread>

#include "arisim/simulator.hpp"
#include "integration/service/service_fixture.hpp"
#include "storage/sql/sql_connection.hpp"

namespace ccapi::itest {

class CallsTest : public ServiceTest {
protected:
    void SetUp() override;
    void TearDown() override;

    // Starts the simulator (time_scale makes its dialplan run faster) and the service against
    // it, creates alice, bob and root (superuser) and logs them in.
    void startAll(std::map<std::string, std::string> extra_env = {}, double time_scale = 0.1);
    void restartService(std::map<std::string, std::string> extra_env = {});

    testhttp::Response post(const std::string& token, const std::string& target,
                            const boost::json::value& body = nullptr,
                            testhttp::HeaderList headers = {});
    testhttp::Response getCall(const std::string& token, const std::string& call_id);
    // Polls GET until the status is terminal (or `until` holds); fails the test on timeout.
    boost::json::object waitForStatus(const std::string& token, const std::string& call_id,
                                      std::function<bool(const boost::json::object&)> until = {},
                                      std::chrono::milliseconds timeout = std::chrono::seconds(20));
    std::vector<std::string> timeline(const std::string& token, const std::string& call_id);
    // A connection of this test's own to the service's database (straight SQL, either backend).
    std::unique_ptr<storage::SqlConnection> openServiceDatabase();
    // With the service stopped: sets the stored call back to its first commit (status "pending",
    // version 1, one event), as if every commit after its creation had been lost (straight SQL
    // on the service's database).
    void rewindToPending(const std::string& call_id);

    std::unique_ptr<boost::asio::io_context> sim_io_;
    std::unique_ptr<arisim::AriSimulator> sim_;
    std::thread sim_thread_;
    std::map<std::string, std::string> service_env_;
    std::string alice_, bob_, root_;  // access tokens
};

}  // namespace ccapi::itest
