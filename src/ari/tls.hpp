// TLS for https:// and wss:// ARI: the client context and the per-connection peer checks.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace ccapi::ari {

// Trusts the system CAs plus `extra_ca_file` (PEM) when given; verifies the peer. Created once at
// start-up and shared by every connection of one client (contexts are thread-safe to share once
// configured).
Result<std::shared_ptr<boost::asio::ssl::context>> makeTlsContext(const std::string& extra_ca_file);

// Sets SNI (host names only) and checks the certificate against `host` (name or IP address).
template <class NextLayer>
ErrorCode prepareTlsStream(boost::asio::ssl::stream<NextLayer>& stream, const std::string& host);

// Non-template part of prepareTlsStream.
ErrorCode prepareTlsHandle(SSL* handle, const std::string& host);

template <class NextLayer>
ErrorCode prepareTlsStream(boost::asio::ssl::stream<NextLayer>& stream, const std::string& host) {
    stream.set_verify_mode(boost::asio::ssl::verify_peer);
    stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
    return prepareTlsHandle(stream.native_handle(), host);
}

}  // namespace ccapi::ari
