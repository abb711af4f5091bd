// A synchronous HTTP/1.1 client for tests that talk to a server over loopback: keep-alive,
// reconnect when the server closed the connection, and a deadline on every request so that a test
// never hangs on a silent server.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "fakes/http/response.hpp"

namespace ccapi::testhttp {

// Owned by one test; not for concurrent use (give each thread its own client). Runs its own
// io_context inside each call, so it needs no threads and no executor.
class HttpClient {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

    HttpClient(std::string host, std::uint16_t port,
               std::chrono::milliseconds timeout = kDefaultTimeout);
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;
    ~HttpClient();

    // Sends one request and reads its response. Adds Host and User-Agent unless `headers` has
    // them, and Content-Length unless `headers` sets Content-Length or Transfer-Encoding. Errors:
    // connection failures, isTimeout() past the deadline (the connection is then dropped). A
    // kept-alive connection the server has closed is replaced once, transparently.
    Result<Response> request(std::string_view method, std::string_view target,
                             const HeaderList& headers = {}, std::string body = {},
                             std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    Result<Response> get(std::string_view target, const HeaderList& headers = {});
    Result<Response> del(std::string_view target, const HeaderList& headers = {});
    // Serialises `body`; Content-Type application/json unless `headers` says otherwise.
    Result<Response> postJson(std::string_view target, const boost::json::value& body,
                              const HeaderList& headers = {});
    // application/x-www-form-urlencoded, as an OAuth2 password grant is sent.
    Result<Response> postForm(std::string_view target, const FormFields& fields,
                              const HeaderList& headers = {});

    void setTimeout(std::chrono::milliseconds timeout);
    // Drops the kept-alive connection; the next request opens a new one.
    void close();
    bool connected() const;
    // Connections opened so far: lets a test check that keep-alive really reused one.
    std::size_t connectionsOpened() const;
    const std::string& host() const;
    std::uint16_t port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccapi::testhttp
