#include "core/async.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

namespace ccapi {
namespace {

Task<void> offloadTwice(BlockingPool& pool, std::thread::id io_thread, int& result,
                        bool& resumed_on_io) {
    std::thread::id worker;
    int a = co_await offload(pool, [&worker] {
        worker = std::this_thread::get_id();
        return 20;
    });
    result = a + co_await offload(pool, [] { return 22; });
    resumed_on_io = std::this_thread::get_id() == io_thread && worker != io_thread;
}

Task<void> throwsInside(BlockingPool& pool, bool& caught) {
    try {
        co_await offload(pool, []() -> int { throw std::runtime_error("boom"); });
    } catch (const std::runtime_error&) {
        caught = true;
    }
}

}  // namespace

TEST(Offload, RunsOnThePoolAndResumesOnTheCaller) {
    asio::io_context io;
    BlockingPool pool(2);
    int result = 0;
    bool resumed_on_io = false;
    spawn(io.get_executor(), offloadTwice(pool, std::this_thread::get_id(), result, resumed_on_io),
          "test");
    io.run();
    EXPECT_EQ(result, 42);
    EXPECT_TRUE(resumed_on_io);
}

TEST(Offload, RethrowsInTheAwaitingCoroutine) {
    asio::io_context io;
    BlockingPool pool(1);
    bool caught = false;
    spawn(io.get_executor(), throwsInside(pool, caught), "test");
    io.run();
    EXPECT_TRUE(caught);
}

}  // namespace ccapi
