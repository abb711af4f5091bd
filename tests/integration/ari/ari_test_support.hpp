// Support for the ARI client's integration tests: I/O threads, the simulator as a separate peer
// on its own thread, and a listener that records what the event socket reported.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ari/client.hpp"
#include "arisim/simulator.hpp"
#include "core/async.hpp"

namespace ccapi::ari::test {

using namespace std::chrono_literals;

// One io_context on one thread, like each of the service's I/O threads (ADR 0001).
class IoThread {
public:
    IoThread();
    ~IoThread();  // stops the context and joins
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    asio::io_context& context() { return io_; }
    asio::any_io_executor executor() { return io_.get_executor(); }
    void stop();

    // Runs `task` on this thread and waits for it; nullopt when it did not finish in time.
    template <class T>
    std::optional<T> run(Task<T> task, std::chrono::milliseconds timeout = 15s) {
        auto future = asio::co_spawn(io_.get_executor(), std::move(task), asio::use_future);
        if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
        return future.get();
    }

private:
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::thread thread_;
};

// The ARI simulator, serving on 127.0.0.1 port 0 from its own thread: a peer the client can
// only reach over the network.
class SimulatorPeer {
public:
    explicit SimulatorPeer(arisim::SimulatorOptions options = defaults());
    ~SimulatorPeer();

    static arisim::SimulatorOptions defaults();
    arisim::AriSimulator& operator*() { return *simulator_; }
    arisim::AriSimulator* operator->() { return simulator_.get(); }
    std::string baseUrl() const { return simulator_->baseUrl(); }
    std::uint16_t port() const { return simulator_->port(); }
    // Listens again on the same port after stop() (a PBX that comes back).
    void listenAgain();

private:
    IoThread thread_;
    std::unique_ptr<arisim::AriSimulator> simulator_;
};

// Records the listener calls; any thread may look while the client's thread writes.
class RecordingListener final : public EventListener {
public:
    struct Entry {
        enum class Kind { kConnected, kDisconnected, kEvent } kind;
        std::string why;
        ChannelEvent event;
    };

    void onConnected() override;
    void onDisconnected(const std::string& why) override;
    void onEvent(const ChannelEvent& event) override;

    std::vector<Entry> entries() const;
    int connects() const;
    int disconnects() const;
    std::vector<std::string> disconnectReasons() const;
    // Events whose channel id is exactly `channel_id` (the ;1 half when given a call id).
    std::vector<ChannelEvent> eventsOf(const std::string& channel_id) const;
    bool sawEvent(const std::string& channel_id, EventKind kind) const;
    // Waits (polling, with a deadline) until `count` onConnected calls were seen.
    bool waitConnects(int count, std::chrono::milliseconds timeout = 10s) const;
    bool waitDisconnects(int count, std::chrono::milliseconds timeout = 10s) const;
    bool waitEvent(const std::string& channel_id, EventKind kind,
                   std::chrono::milliseconds timeout = 10s) const;

private:
    mutable std::mutex mutex_;
    std::vector<Entry> entries_;
};

// Client options for tests: short deadlines, fast reconnects, pings every 100 ms (so every test
// also checks that the simulator's pongs keep the socket alive).
AriOptions testOptions(const std::string& base_url, const std::string& app = "contactcenter");

// A fresh channel id, a UUID like the engine's call ids.
std::string newChannelId();

}  // namespace ccapi::ari::test
