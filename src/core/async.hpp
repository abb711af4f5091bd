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
#include <memory>
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
//
// GCC 12 bitwise-copies a lambda temporary that a coroutine passes by value inside a co_await
// expression (valgrind: the copy's strings pointed into the caller's frame and were freed
// twice). So `fn` is taken by reference and moved exactly once, here in a plain function, onto
// the heap; it travels through Asio's (coroutine) initiation as a raw pointer and is owned again
// on the pool thread.
template <class F, class Fn = std::decay_t<F>, class R = std::invoke_result_t<Fn&>>
auto offload(BlockingPool& pool, F&& fn) {
    using Value = std::conditional_t<std::is_void_v<R>, int, R>;
    struct Outcome {
        std::exception_ptr error;
        std::optional<Value> value;
    };
    auto initiation = [&pool](auto handler, Fn* raw_work) {
        asio::post(pool.executor(), [handler = std::move(handler), raw_work]() mutable {
            std::unique_ptr<Fn> work(raw_work);
            auto* outcome = new Outcome;
            try {
                if constexpr (std::is_void_v<R>) {
                    (*work)();
                    outcome->value.emplace(0);
                } else {
                    outcome->value.emplace((*work)());
                }
            } catch (...) {
                outcome->error = std::current_exception();
            }
            work.reset();  // captures die on the pool thread, before the caller resumes
            auto resume_executor = asio::get_associated_executor(handler);
            asio::post(resume_executor, [handler = std::move(handler), outcome]() mutable {
                std::unique_ptr<Outcome> owned(outcome);
                if constexpr (std::is_void_v<R>) {
                    std::move(handler)(owned->error);
                } else {
                    std::move(handler)(owned->error, owned->value ? std::move(*owned->value) : R{});
                }
            });
        });
    };
    auto* raw_work = new Fn(std::forward<F>(fn));
    if constexpr (std::is_void_v<R>) {
        return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
            std::move(initiation), asio::use_awaitable, raw_work);
    } else {
        return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(
            std::move(initiation), asio::use_awaitable, raw_work);
    }
}

}  // namespace ccapi
