// The WebSocket hub: the open event sockets and the delivery of each event to the sockets of
// the applications that should receive it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arisim/app_registry.hpp"
#include "arisim/event_factory.hpp"
#include "arisim/ws_connection.hpp"

namespace ccapi::arisim {

// The applications (with a socket) that receive `event`, per its Audience: apps without a
// socket silently miss it, as in Asterisk. Each app at most once.
std::vector<const AppRegistry::App*> recipients(const Event& event, const AppRegistry& apps);

// Owned by the simulator; single-threaded (the io_context thread).
class EventHub {
public:
    explicit EventHub(AppRegistry& apps) : apps_(apps) {}

    SocketId add(std::shared_ptr<WsConnection> connection);
    void remove(SocketId id);
    std::shared_ptr<WsConnection> connection(SocketId id) const;
    std::vector<SocketId> sockets() const;
    std::size_t size() const { return sockets_.size(); }

    // Sends `event` to each of its recipients().
    void publish(const Event& event);
    void sendTo(SocketId id, const Event& event, std::string_view application);
    std::uint64_t eventsDelivered() const { return delivered_; }

private:
    AppRegistry& apps_;
    std::map<SocketId, std::shared_ptr<WsConnection>> sockets_;
    SocketId next_ = 1;
    std::uint64_t delivered_ = 0;
};

}  // namespace ccapi::arisim
