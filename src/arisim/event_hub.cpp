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
    for (const auto* app : recipients(event, apps_)) sendTo(app->socket, event, app->name);
}

std::vector<const AppRegistry::App*> recipients(const Event& event, const AppRegistry& apps) {
    std::vector<const AppRegistry::App*> targets;
    auto add = [&targets](const AppRegistry::App* app) {
        if (app->socket == 0) return;
        if (std::find(targets.begin(), targets.end(), app) == targets.end()) {
            targets.push_back(app);
        }
    };
    switch (event.audience) {
        case Audience::kSubscribers:
            for (const auto* app : apps.subscribersOf(event.channel_id)) add(app);
            for (const auto* app : apps.subscribeAllApps()) add(app);
            break;
        case Audience::kSubscribeAll:
            for (const auto* app : apps.subscribeAllApps()) add(app);
            break;
        case Audience::kStasisApp:
        case Audience::kDirect:
            if (const auto* app = apps.find(event.app)) add(app);
            break;
    }
    return targets;
}

}  // namespace ccapi::arisim
