// A bounded pool of keep-alive HTTP/1.1 connections to ARI (plain TCP or TLS), with a deadline
// on every request and one transparent retry when Asterisk had closed an idle connection.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "ari/url.hpp"
#include "core/async.hpp"

namespace ccapi::ari {

struct HttpCall {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;  // path and query, base path included
    std::string body;    // JSON; empty: none
    // May be sent again after a stale connection swallowed it (GET, DELETE). Other requests are
    // re-sent only when they certainly did not leave this process whole.
    bool idempotent = false;
};

struct HttpReply {
    bool answered = false;  // an HTTP response arrived; otherwise `error` says why not
    unsigned status = 0;
    std::string reason;
    std::string body;
    std::string error;
};

// Owned by the AriClient; exchange() is used on the executor given to the constructor only (the
// engine's thread, so the pool needs no locks). The counters may be read from any thread.
//
// At most `size` sockets exist at any time (open, connecting or idle): Asterisk serves 100 HTTP
// sessions in total and drops the rest without a response. A request takes one of `size`
// leases (waiting, under its deadline, when all are taken), reuses the most recently idle
// connection or opens one, and gives the connection back when the answer allowed keep-alive.
class HttpPool {
public:
    struct Settings {
        AriEndpoint endpoint;
        std::string authorization;  // "Basic …", sent on every request
        std::size_t size = 8;
        std::chrono::milliseconds request_timeout{5000};
        std::chrono::milliseconds keepalive_idle{10000};
        std::shared_ptr<boost::asio::ssl::context> tls;  // set when endpoint.tls
    };

    HttpPool(asio::any_io_executor executor, Settings settings);
    ~HttpPool();
    HttpPool(const HttpPool&) = delete;
    HttpPool& operator=(const HttpPool&) = delete;

    // Sends `call` and reads the answer before the request deadline. Never throws for network
    // errors: they come back as HttpReply::error.
    Task<HttpReply> exchange(HttpCall call);

    // Closes idle connections now; requests in flight finish and then close theirs. On the
    // executor only (the destructor does not close anything: sockets close with the state once
    // the last request in flight has let go of it).
    void close();

    std::size_t openConnections() const;    // sockets that exist right now
    std::size_t peakConnections() const;    // the most that ever existed at once
    std::size_t connectionsOpened() const;  // TCP connects so far: shows reuse

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace ccapi::ari
