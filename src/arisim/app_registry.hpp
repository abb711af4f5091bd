// Stasis applications: which event socket each app has, and which channels it is subscribed to.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ccapi::arisim {

using SocketId = std::uint64_t;  // 0: no socket

// Asterisk's rules, as recorded: one socket per app name (a new socket replaces the old one,
// which is not re-attached later); an app without a socket stays registered ("inactive") while
// it is subscribed to channels and disappears when it has neither. Owned by the Pbx's owner;
// single-threaded.
class AppRegistry {
public:
    struct App {
        std::string name;
        std::vector<std::string> channel_ids;  // subscription order, for GET /applications
        std::unordered_set<std::string> channel_set;
        bool subscribe_all = false;
        SocketId socket = 0;
    };

    // Registers or re-activates `name` on `socket`; returns the socket it replaced (0: none).
    SocketId attach(std::string_view name, SocketId socket, bool subscribe_all);
    // The socket closed: its apps become inactive (and vanish when they have no channels).
    void detach(SocketId socket);
    // Forgets the socket of `name` without closing it (ApplicationReplaced without a successor).
    SocketId release(std::string_view name);

    bool exists(std::string_view name) const;
    bool isActive(std::string_view name) const;
    SocketId socketOf(std::string_view name) const;

    void subscribe(std::string_view name, std::string_view channel_id);
    void unsubscribeChannel(std::string_view channel_id);
    std::vector<const App*> subscribersOf(std::string_view channel_id) const;
    std::vector<const App*> subscribeAllApps() const;  // active ones

    const App* find(std::string_view name) const;
    boost::json::array list() const;
    std::optional<boost::json::object> get(std::string_view name) const;
    void clear();

private:
    App* findMutable(std::string_view name);
    void prune();

    std::vector<App> apps_;  // registration order, as GET /applications lists them
};

}  // namespace ccapi::arisim
