// Limits and sizes of the HTTP server.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace ccapi::http {

struct ServerOptions {
    std::string host = "0.0.0.0";
    unsigned short port = 8000;  // 0: pick a free port (tests)
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_header_bytes = 16 * 1024;
    std::chrono::seconds request_timeout{30};  // from a request's first byte to its last
    std::chrono::seconds idle_timeout{60};     // keep-alive wait for the next request
    std::size_t max_connections = 10000;
    std::chrono::seconds shutdown_grace{10};
    // How often each I/O thread looks for connections past their deadline.
    std::chrono::milliseconds sweep_interval{250};
};

}  // namespace ccapi::http
