// The composition root: the only place that knows the concrete backends and wires every module.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"

namespace ccapi::app {

// Owned by main(); open() and start() on the main thread, then waitForShutdown() blocks there
// while the I/O threads serve.
class Application {
public:
    explicit Application(config::Settings settings);
    ~Application();

    // Opens the store (migrating as the policy says), builds every service. nullopt on
    // success, otherwise one line for the operator.
    std::optional<std::string> open();
    // Binds the listeners and starts the I/O threads.
    std::optional<std::string> start();
    unsigned short port() const;
    // Blocks until SIGTERM/SIGINT, then shuts down gracefully.
    void waitForShutdown();

    struct Parts;  // every owned component, in construction order

private:
    std::unique_ptr<Parts> parts_;
};

}  // namespace ccapi::app
