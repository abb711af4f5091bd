// Async helpers shared by every module: spawning coroutines safely and running blocking work
// off the I/O threads.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

namespace ccapi {

namespace asio = boost::asio;

template <class T = void>
using Task = asio::awaitable<T>;

// Logs (and counts, see spawnFailures()) any exception that escapes a spawned coroutine instead
// of losing it the way co_spawn(..., detached) would.
void reportSpawnFailure(const std::string& name, std::exception_ptr error);
std::uint64_t spawnFailures();

template <class Executor, class Awaitable>
void spawn(Executor executor, Awaitable task, std::string name) {
    asio::co_spawn(std::move(executor), std::move(task),
                   [name = std::move(name)](std::exception_ptr e) {
                       if (e) reportSpawnFailure(name, e);
                   });
}

// Where blocking work runs: bcrypt, SQLite, libpq. Owned by the composition root; the threads
// never run I/O coroutines, so blocking here never stalls a connection.
class BlockingPool {
public:
    explicit BlockingPool(std::size_t threads) : pool_(threads) {}
    asio::thread_pool::executor_type executor() { return pool_.get_executor(); }
    void stop() { pool_.stop(); }
    void join() { pool_.join(); }

private:
    asio::thread_pool pool_;
};

// Runs `fn` on `pool` and resumes the awaiting coroutine on its own executor with the result.
// The one reviewed way to call blocking code from an I/O thread. `fn` must not throw (errors are
// values); if it does, the exception is rethrown in the awaiting coroutine.
template <class Fn, class R = std::invoke_result_t<Fn>>
Task<R> offload(BlockingPool& pool, Fn fn) {
    auto initiation = [&pool](auto handler, Fn work) {
        auto pool_executor = pool.executor();
        asio::post(pool_executor, [handler = std::move(handler), work = std::move(work)]() mutable {
            std::exception_ptr error;
            std::optional<std::conditional_t<std::is_void_v<R>, int, R>> value;
            try {
                if constexpr (std::is_void_v<R>) {
                    work();
                    value.emplace(0);
                } else {
                    value.emplace(work());
                }
            } catch (...) {
                error = std::current_exception();
            }
            auto resume_executor = asio::get_associated_executor(handler);
            asio::post(resume_executor, [handler = std::move(handler), error,
                                         value = std::move(value)]() mutable {
                if constexpr (std::is_void_v<R>) {
                    std::move(handler)(error);
                } else {
                    std::move(handler)(error, value ? std::move(*value) : R{});
                }
            });
        });
    };
    if constexpr (std::is_void_v<R>) {
        co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
            initiation, asio::use_awaitable, std::move(fn));
    } else {
        co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                                void(std::exception_ptr, R)>(
            initiation, asio::use_awaitable, std::move(fn));
    }
}

}  // namespace ccapi
