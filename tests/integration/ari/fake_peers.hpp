// Small misbehaving ARI servers for what the simulator does not do: a WebSocket peer that never
// answers pings, an HTTP peer that drops the second request on every connection (an idle close
// racing a request), and a TLS peer with a self-signed certificate made on the fly.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "integration/ari/ari_test_support.hpp"

namespace ccapi::ari::test {

// Accepts the event WebSocket upgrade, then never reads again: pings go unanswered.
class SilentWebSocketPeer {
public:
    SilentWebSocketPeer();
    ~SilentWebSocketPeer();
    std::string baseUrl() const;  // http://127.0.0.1:<port>/ari
    int accepted() const { return state_->accepted.load(); }

    struct State {
        std::atomic<int> accepted{0};
    };

private:
    std::shared_ptr<State> state_ = std::make_shared<State>();
    IoThread thread_;
    std::uint16_t port_ = 0;
};

// Answers the first request of each connection (keep-alive), then reads the second one and
// closes the connection without answering it.
class DroppingKeepAlivePeer {
public:
    DroppingKeepAlivePeer();
    ~DroppingKeepAlivePeer();
    std::string baseUrl() const;
    int requests() const { return state_->requests.load(); }
    int connections() const { return state_->connections.load(); }

    struct State {
        std::atomic<int> requests{0};
        std::atomic<int> connections{0};
    };

private:
    std::shared_ptr<State> state_ = std::make_shared<State>();
    IoThread thread_;
    std::uint16_t port_ = 0;
};

// https:// and wss:// on 127.0.0.1 with a fresh self-signed certificate for IP 127.0.0.1:
// GET {base}/channels answers [], the event socket sends one StasisStart for channel "tls-1"
// and then answers pings. certificatePem() is what a client must trust.
class TlsAriPeer {
public:
    TlsAriPeer();
    ~TlsAriPeer();
    std::string baseUrl() const;  // https://127.0.0.1:<port>/ari
    const std::string& certificatePem() const { return certificate_pem_; }
    int handshakes() const;

    struct State;

private:
    std::string certificate_pem_;
    std::shared_ptr<State> state_;
    IoThread thread_;
    std::uint16_t port_ = 0;
};

}  // namespace ccapi::ari::test
