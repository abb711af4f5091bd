#include "integration/ari/ari_test_support.hpp"

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "core/ids.hpp"
#include "fakes/http/wait.hpp"

namespace ccapi::ari::test {

IoThread::IoThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}

IoThread::~IoThread() { stop(); }

void IoThread::stop() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
}

SimulatorPeer::SimulatorPeer(arisim::SimulatorOptions options)
    : simulator_(std::make_unique<arisim::AriSimulator>(thread_.context(), std::move(options))) {
    listenAgain();
}

SimulatorPeer::~SimulatorPeer() {
    simulator_.reset();  // stops on its own thread while that still runs
    thread_.stop();
}

arisim::SimulatorOptions SimulatorPeer::defaults() {
    arisim::SimulatorOptions options;
    options.time_scale = 0.1;  // an answered call lasts ~0.35 s instead of 3.5 s
    return options;
}

void SimulatorPeer::listenAgain() {
    // start() must run on the simulator's thread once that thread serves the context.
    std::promise<ErrorCode> started;
    auto future = started.get_future();
    asio::post(thread_.context(), [this, &started] { started.set_value(simulator_->start()); });
    if (auto ec = future.get()) throw std::runtime_error("simulator: " + ec.message());
}

void RecordingListener::onConnected() {
    std::lock_guard lock(mutex_);
    entries_.push_back({Entry::Kind::kConnected, {}, {}});
}

void RecordingListener::onDisconnected(const std::string& why) {
    std::lock_guard lock(mutex_);
    entries_.push_back({Entry::Kind::kDisconnected, why, {}});
}

void RecordingListener::onEvent(const ChannelEvent& event) {
    std::lock_guard lock(mutex_);
    entries_.push_back({Entry::Kind::kEvent, {}, event});
}

std::vector<RecordingListener::Entry> RecordingListener::entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
}

int RecordingListener::connects() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& e : entries_) n += e.kind == Entry::Kind::kConnected;
    return n;
}

int RecordingListener::disconnects() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& e : entries_) n += e.kind == Entry::Kind::kDisconnected;
    return n;
}

std::vector<std::string> RecordingListener::disconnectReasons() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& e : entries_) {
        if (e.kind == Entry::Kind::kDisconnected) out.push_back(e.why);
    }
    return out;
}

std::vector<ChannelEvent> RecordingListener::eventsOf(const std::string& channel_id) const {
    std::lock_guard lock(mutex_);
    std::vector<ChannelEvent> out;
    for (const auto& e : entries_) {
        if (e.kind == Entry::Kind::kEvent && e.event.channel_id == channel_id) {
            out.push_back(e.event);
        }
    }
    return out;
}

bool RecordingListener::sawEvent(const std::string& channel_id, EventKind kind) const {
    for (const auto& e : eventsOf(channel_id)) {
        if (e.kind == kind) return true;
    }
    return false;
}

bool RecordingListener::waitConnects(int count, std::chrono::milliseconds timeout) const {
    return testhttp::waitUntil([&] { return connects() >= count; }, timeout);
}

bool RecordingListener::waitDisconnects(int count, std::chrono::milliseconds timeout) const {
    return testhttp::waitUntil([&] { return disconnects() >= count; }, timeout);
}

bool RecordingListener::waitEvent(const std::string& channel_id, EventKind kind,
                                  std::chrono::milliseconds timeout) const {
    return testhttp::waitUntil([&] { return sawEvent(channel_id, kind); }, timeout);
}

AriOptions testOptions(const std::string& base_url, const std::string& app) {
    AriOptions options;
    options.http_url = base_url;
    options.username = "ariuser";
    options.password = "aripass";
    options.app = app;
    options.request_timeout = 2000ms;
    options.pool_size = 4;
    options.ping_interval = 100ms;
    options.pong_timeout = 1000ms;
    options.reconnect_initial = 20ms;
    options.reconnect_max = 200ms;
    options.breaker_threshold = 3;
    options.breaker_open_for = 60s;
    return options;
}

std::string newChannelId() { return newUuid(); }

}  // namespace ccapi::ari::test
