#include "fakes/http/service_process.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <thread>

#include "fakes/http/wait.hpp"

namespace ccapi::testhttp {
namespace {

using namespace std::chrono_literals;

ServiceOptions fakeService(std::vector<std::string> args = {}) {
    ServiceOptions options;
    options.binary = CCAPI_FAKE_SERVICE_PATH;
    options.args = std::move(args);
    options.start_timeout = 10s;
    return options;
}

TEST(ServiceProcess, StartsWaitsUntilLiveAndStopsOnSigterm) {
    ServiceProcess service(fakeService({"serve"}));
    auto started = service.start();
    ASSERT_TRUE(started) << started.message;
    EXPECT_NE(service.port(), 0);
    auto client = service.client();
    auto live = client.get("/live");
    ASSERT_TRUE(live) << live.error().message();
    EXPECT_EQ(live->status, 200u);
    EXPECT_TRUE(waitUntil(
        [&] { return service.stdoutText().find("listening on") != std::string::npos; }, 5s));
    ASSERT_TRUE(service.stop());
    EXPECT_EQ(service.waitExit(5s), 0);
    EXPECT_FALSE(service.running());
    EXPECT_NE(service.stdoutText().find("stopping on signal 15"), std::string::npos);
}

TEST(ServiceProcess, RunsInAFreshDirectoryWithTheExtraEnvironmentAndRemovesIt) {
    std::filesystem::path dir;
    {
        auto options = fakeService();
        options.env["CCAPI_FAKE_GREETING"] = "hello there";
        ServiceProcess service(options);
        auto started = service.start();
        ASSERT_TRUE(started) << started.message;
        dir = service.workDir();
        EXPECT_TRUE(std::filesystem::is_directory(dir));
        auto out = service.stdoutText();
        EXPECT_NE(out.find("greeting hello there"), std::string::npos) << out;
        EXPECT_NE(out.find("cwd " + std::filesystem::canonical(dir).string()), std::string::npos)
            << out;
    }
    EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ServiceProcess, AnEarlyExitFailsWithTheCapturedOutput) {
    ServiceProcess service(fakeService({"--exit-early", "3"}));
    auto started = service.start();
    ASSERT_FALSE(started);
    EXPECT_NE(started.message.find("exited with code 3"), std::string::npos) << started.message;
    EXPECT_NE(started.message.find("refusing to start"), std::string::npos) << started.message;
    EXPECT_EQ(service.exitCode(), 3);
}

TEST(ServiceProcess, StartUpRefusalCanBeObservedWithoutWaitingForLive) {
    auto options = fakeService({"--exit-early", "2"});
    options.wait_until_live = false;
    ServiceProcess service(options);
    ASSERT_TRUE(service.start());
    EXPECT_EQ(service.waitExit(5s), 2);
    EXPECT_NE(service.stderrText().find("refusing to start"), std::string::npos);
}

TEST(ServiceProcess, Kill9EndsAProcessThatIgnoresSigterm) {
    ServiceProcess service(fakeService({"--ignore-sigterm"}));
    auto started = service.start();
    ASSERT_TRUE(started) << started.message;
    ASSERT_TRUE(service.stop(SIGTERM));
    EXPECT_EQ(service.waitExit(200ms), std::nullopt);
    EXPECT_TRUE(service.running());
    service.kill9();
    EXPECT_EQ(service.exitCode(), 128 + SIGKILL);
}

TEST(ServiceProcess, AMissingBinaryFailsClearly) {
    ServiceOptions options;
    options.binary = "/nonexistent/ccapi";
    ServiceProcess service(options);
    auto started = service.start();
    ASSERT_FALSE(started);
    EXPECT_NE(started.message.find("/nonexistent/ccapi"), std::string::npos) << started.message;
}

TEST(FreePort, ReturnsAPortThatCanBeBound) {
    auto port = FreePort();
    ASSERT_NE(port, 0);
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), port));
    EXPECT_EQ(acceptor.local_endpoint().port(), port);
}

TEST(WaitUntil, ReturnsOnceTheConditionHoldsOrAtTheDeadline) {
    std::atomic<bool> flag{false};
    std::thread setter([&] {
        std::this_thread::sleep_for(30ms);
        flag = true;
    });
    EXPECT_TRUE(waitUntil([&] { return flag.load(); }, 5s));
    setter.join();
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(waitUntil([] { return false; }, 50ms));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

}  // namespace
}  // namespace ccapi::testhttp
