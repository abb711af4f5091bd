#include "arisim/event_hub.hpp"

#include <algorithm>

namespace ccapi::arisim {

SocketId EventHub::add(std::shared_ptr<WsConnection> connection) {
    SocketId id = next_++;
    sockets_.emplace(id, std::move(connection));
    return id;
}

void EventHub::remove(SocketId id) { sockets_.erase(id); }

std::shared_ptr<WsConnection> EventHub::connection(SocketId id) const {
    auto it = sockets_.find(id);
    return it == sockets_.end() ? nullptr : it->second;
}

std::vector<SocketId> EventHub::sockets() const {
    std::vector<SocketId> out;
    for (const auto& [id, connection] : sockets_) out.push_back(id);
    return out;
}

void EventHub::sendTo(SocketId id, const Event& event, std::string_view application) {
    auto it = sockets_.find(id);
    if (it == sockets_.end()) return;
    it->second->sendText(renderFor(event, application));
    ++delivered_;
}

void EventHub::publish(const Event& event) {
    std::vector<const AppRegistry::App*> targets;
    auto add = [&targets](const AppRegistry::App* app) {
        if (app->socket == 0) return;
        if (std::find(targets.begin(), targets.end(), app) == targets.end()) {
            targets.push_back(app);
        }
    };
    switch (event.audience) {
        case Audience::kSubscribers:
            for (const auto* app : apps_.subscribersOf(event.channel_id)) add(app);
            for (const auto* app : apps_.subscribeAllApps()) add(app);
            break;
        case Audience::kSubscribeAll:
            for (const auto* app : apps_.subscribeAllApps()) add(app);
            break;
        case Audience::kStasisApp:
        case Audience::kDirect:
            for (const auto* app : apps_.subscribersOf(event.channel_id)) {
                if (app->name == event.app) add(app);
            }
            if (targets.empty() && apps_.isActive(event.app)) {
                SocketId socket = apps_.socketOf(event.app);
                sendTo(socket, event, event.app);
                return;
            }
            break;
    }
    for (const auto* app : targets) sendTo(app->socket, event, app->name);
}

}  // namespace ccapi::arisim
