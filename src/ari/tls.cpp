#include "ari/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace ccapi::ari {

Result<std::shared_ptr<boost::asio::ssl::context>> makeTlsContext(
    const std::string& extra_ca_file) {
    namespace ssl = boost::asio::ssl;
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    ErrorCode ec;
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1,
                         ec);
    if (ec) return ec;
    context->set_default_verify_paths(ec);
    if (ec) return ec;
    if (!extra_ca_file.empty()) {
        context->load_verify_file(extra_ca_file, ec);
        if (ec) return ec;
    }
    context->set_verify_mode(ssl::verify_peer, ec);
    if (ec) return ec;
    return context;
}

ErrorCode prepareTlsHandle(SSL* handle, const std::string& host) {
    ErrorCode ec;
    boost::asio::ip::make_address(host, ec);
    if (!ec) return {};  // SNI carries host names only, never IP literals (RFC 6066)
    if (SSL_set_tlsext_host_name(handle, host.c_str()) != 1) {
        return ErrorCode(static_cast<int>(::ERR_get_error()),
                         boost::asio::error::get_ssl_category());
    }
    return {};
}

}  // namespace ccapi::ari
