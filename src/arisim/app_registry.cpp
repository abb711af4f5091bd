#include "arisim/app_registry.hpp"

#include <algorithm>

namespace ccapi::arisim {
namespace {

boost::json::object appJson(const AppRegistry::App& app) {
    boost::json::object o;
    o["name"] = app.name;
    boost::json::array channels, bridges, endpoints, devices;
    if (app.subscribe_all) {
        channels.emplace_back("__AST_CHANNEL_ALL_TOPIC");
        bridges.emplace_back("__AST_BRIDGE_ALL_TOPIC");
        endpoints.emplace_back("__AST_ENDPOINT_ALL_TOPIC");
        devices.emplace_back("__AST_DEVICE_STATE_ALL_TOPIC");
    } else {
        for (const auto& id : app.channel_ids) channels.emplace_back(id);
    }
    o["channel_ids"] = std::move(channels);
    o["bridge_ids"] = std::move(bridges);
    o["endpoint_ids"] = std::move(endpoints);
    o["device_names"] = std::move(devices);
    o["events_allowed"] = boost::json::array{};
    o["events_disallowed"] = boost::json::array{};
    return o;
}

}  // namespace

AppRegistry::App* AppRegistry::findMutable(std::string_view name) {
    for (auto& app : apps_) {
        if (app.name == name) return &app;
    }
    return nullptr;
}

const AppRegistry::App* AppRegistry::find(std::string_view name) const {
    for (const auto& app : apps_) {
        if (app.name == name) return &app;
    }
    return nullptr;
}

SocketId AppRegistry::attach(std::string_view name, SocketId socket, bool subscribe_all) {
    App* app = findMutable(name);
    if (!app) {
        apps_.push_back(App{std::string(name), {}, {}, subscribe_all, socket});
        return 0;
    }
    SocketId previous = app->socket;
    app->socket = socket;
    app->subscribe_all = subscribe_all;
    return previous == socket ? 0 : previous;
}

void AppRegistry::detach(SocketId socket) {
    if (socket == 0) return;
    for (auto& app : apps_) {
        if (app.socket == socket) app.socket = 0;
    }
    prune();
}

SocketId AppRegistry::release(std::string_view name) {
    App* app = findMutable(name);
    if (!app) return 0;
    SocketId previous = app->socket;
    app->socket = 0;
    prune();
    return previous;
}

bool AppRegistry::exists(std::string_view name) const { return find(name) != nullptr; }

bool AppRegistry::isActive(std::string_view name) const {
    const App* app = find(name);
    return app && app->socket != 0;
}

SocketId AppRegistry::socketOf(std::string_view name) const {
    const App* app = find(name);
    return app ? app->socket : 0;
}

void AppRegistry::subscribe(std::string_view name, std::string_view channel_id) {
    App* app = findMutable(name);
    if (!app) return;
    if (app->channel_set.emplace(channel_id).second) app->channel_ids.emplace_back(channel_id);
}

void AppRegistry::unsubscribeChannel(std::string_view channel_id) {
    bool removed = false;
    for (auto& app : apps_) {
        if (app.channel_set.erase(std::string(channel_id)) > 0) {
            std::erase(app.channel_ids, channel_id);
            removed = true;
        }
    }
    if (removed) prune();
}

std::vector<const AppRegistry::App*> AppRegistry::subscribersOf(std::string_view channel_id) const {
    std::vector<const App*> out;
    std::string key(channel_id);
    for (const auto& app : apps_) {
        if (app.channel_set.count(key) > 0) out.push_back(&app);
    }
    return out;
}

std::vector<const AppRegistry::App*> AppRegistry::subscribeAllApps() const {
    std::vector<const App*> out;
    for (const auto& app : apps_) {
        if (app.subscribe_all && app.socket != 0) out.push_back(&app);
    }
    return out;
}

boost::json::array AppRegistry::list() const {
    boost::json::array out;
    for (const auto& app : apps_) out.emplace_back(appJson(app));
    return out;
}

std::optional<boost::json::object> AppRegistry::get(std::string_view name) const {
    const App* app = find(name);
    if (!app) return std::nullopt;
    return appJson(*app);
}

void AppRegistry::clear() { apps_.clear(); }

void AppRegistry::prune() {
    std::erase_if(apps_, [](const App& app) { return app.socket == 0 && app.channel_ids.empty(); });
}

}  // namespace ccapi::arisim
