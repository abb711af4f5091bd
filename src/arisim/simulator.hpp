// AriSimulator: an in-process ARI server that behaves like Asterisk 22.11 for the part of ARI the
// contact center uses (see shared/ari/README.md "The simulator" and docs/design/ari-simulator.md).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "arisim/faults.hpp"
#include "arisim/options.hpp"
#include "core/result.hpp"

namespace ccapi::arisim {

struct SimulatorState {
    bool listening = false;
    bool accepting_calls = false;  // false while stopping gracefully
    std::size_t channels = 0;
    std::size_t event_sockets = 0;
    std::size_t sessions = 0;  // open TCP connections (HTTP and WebSocket)
};

// The simulator runs entirely on `io` and expects it to be run by ONE thread: it is a test
// peer, so there are no strands. start() must be called before that thread runs `io` (or on
// it); every other method may be called from any thread while `io` is running (it is then
// executed on `io` and waited for), or directly on the `io` thread.
class AriSimulator {
public:
    AriSimulator(boost::asio::io_context& io, SimulatorOptions options = {});
    ~AriSimulator();
    AriSimulator(const AriSimulator&) = delete;
    AriSimulator& operator=(const AriSimulator&) = delete;

    // Binds host:port (port 0: ephemeral) and starts serving.
    ErrorCode start();
    std::uint16_t port() const;
    std::string baseUrl() const;  // "http://127.0.0.1:<port>/ari"
    // Closes everything without emitting events (test teardown).
    void stop();

    // --- faults -----------------------------------------------------------------------------
    // Answer originates with `status` and `body` (e.g. 500 {"error":"Allocation failed"}), drop
    // the connection, or never answer; `count` originates, -1 until clearFaults().
    void refuseOriginates(OriginateRefusal refusal);
    // Hold matching HTTP responses for `delay` (a slow PBX).
    void delayResponses(ResponseDelay delay);
    void clearFaults();
    // Close event sockets (all, or those of `app`): TCP close without a close frame (as on
    // SIGTERM), or a close frame 1000 with an empty reason (as on core stop gracefully).
    void dropEventSockets(bool close_frame, std::string app = {});
    // The app's socket gets ApplicationReplaced and then silence, as if another socket took the
    // app over; calls are dropped on answer until a socket registers the app again.
    void sendApplicationReplaced(std::string app);
    // SIGKILL then start: every connection dropped without a frame or response, every channel
    // forgotten without an event; listening again after `downtime` (connection refused meanwhile).
    void restart(Millis downtime = Millis(0));
    // SIGTERM: HangupRequest(4,soft) ... ChannelDestroyed(0) for every channel, then the sockets
    // close without a close frame and the port is closed; back after `restart_after` if given.
    void terminate(std::optional<Millis> restart_after = std::nullopt);
    // core stop gracefully: new originates get 500 Allocation failed, calls run to their end,
    // then close frame 1000 and the port is closed; back after `restart_after` if given.
    void stopGracefully(std::optional<Millis> restart_after = std::nullopt);
    // http.conf sessionlimit: connections beyond it are closed without a response.
    void setSessionLimit(std::size_t limit);
    void setTimings(std::optional<Millis> answer_after, std::optional<Millis> hangup_after,
                    std::optional<double> time_scale = std::nullopt);

    SimulatorState state() const;

    class Impl;

private:
    boost::asio::io_context& io_;
    std::shared_ptr<Impl> impl_;
    std::shared_ptr<std::atomic<bool>> served_;
};

}  // namespace ccapi::arisim
