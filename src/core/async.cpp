#include "core/async.hpp"

#include <atomic>

#include "core/logging.hpp"

namespace ccapi {
namespace {
std::atomic<std::uint64_t> g_spawn_failures{0};
}

void reportSpawnFailure(const std::string& name, std::exception_ptr error) {
    g_spawn_failures.fetch_add(1, std::memory_order_relaxed);
    std::string what = "unknown exception";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
    }
    log::error("coroutine failed", {{"task", name}, {"error", what}});
}

std::uint64_t spawnFailures() { return g_spawn_failures.load(std::memory_order_relaxed); }

}  // namespace ccapi
