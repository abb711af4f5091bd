#include "integration/ari/fake_peers.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <stdexcept>
#include <vector>

namespace ccapi::ari::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::shared_ptr<tcp::acceptor> listenOnLoopback(asio::io_context& io, std::uint16_t& port) {
    auto acceptor =
        std::make_shared<tcp::acceptor>(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor->local_endpoint().port();
    return acceptor;
}

std::string baseUrlFor(const char* scheme, std::uint16_t port) {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + "/ari";
}

// --- SilentWebSocketPeer ----------------------------------------------------------------------

Task<void> acceptSilently(std::shared_ptr<SilentWebSocketPeer::State> state,
                          std::shared_ptr<tcp::acceptor> acceptor) {
    std::vector<std::shared_ptr<websocket::stream<beast::tcp_stream>>> parked;
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(socket));
        co_await ws->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) continue;
        state->accepted.fetch_add(1);
        parked.push_back(ws);  // never read again: Beast answers pings only while reading
    }
}

// --- DroppingKeepAlivePeer --------------------------------------------------------------------

Task<void> serveThenDrop(std::shared_ptr<DroppingKeepAlivePeer::State> state, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    ErrorCode ec;
    http::request<http::string_body> first;
    co_await http::async_read(stream, buffer, first, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    state->requests.fetch_add(1);
    http::response<http::string_body> response(http::status::ok, 11);
    response.set("Content-type", "application/json");
    response.body() = first.method() == http::verb::post ? R"({"id":"x"})" : "[]";
    response.keep_alive(true);
    response.prepare_payload();
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::request<http::string_body> second;
    co_await http::async_read(stream, buffer, second,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) state->requests.fetch_add(1);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
}

Task<void> acceptDropping(std::shared_ptr<DroppingKeepAlivePeer::State> state,
                          std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        state->connections.fetch_add(1);
        spawn(acceptor->get_executor(), serveThenDrop(state, std::move(socket)), "dropping-peer");
    }
}

// --- TlsAriPeer -------------------------------------------------------------------------------

struct Pem {
    std::string certificate;
    std::string key;
};

std::string bioText(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

void addExtension(X509* certificate, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (!extension) throw std::runtime_error("X509V3_EXT_conf_nid failed");
    X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
}

// A self-signed P-256 certificate for IP 127.0.0.1, valid for a day.
Pem selfSignedCertificate() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
    if (!key || !certificate) throw std::runtime_error("OpenSSL key/certificate allocation failed");
    X509* x = certificate.get();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("ccapi test PBX"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    addExtension(x, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(x, NID_subject_alt_name, "IP:127.0.0.1");
    if (X509_sign(x, key.get(), EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");

    Pem pem;
    std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(cert_bio.get(), x);
    pem.certificate = bioText(cert_bio.get());
    std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    pem.key = bioText(key_bio.get());
    return pem;
}

constexpr const char* kTlsEvent =
    R"({"type":"StasisStart","timestamp":"2026-11-22T00:40:26.539+0000","args":[],)"
    R"("channel":{"id":"tls-1","name":"Local/answer@sim-00000001;1","state":"Up"},)"
    R"("asterisk_id":"02:fc:00:00:00:01","application":"contactcenter"})";

}  // namespace

struct TlsAriPeer::State {
    explicit State(const Pem& pem) : context(ssl::context::tls_server) {
        context.use_certificate_chain(asio::buffer(pem.certificate));
        context.use_private_key(asio::buffer(pem.key), ssl::context::pem);
    }
    ssl::context context;
    std::atomic<int> handshakes{0};
};

namespace {

using TlsStream = ssl::stream<beast::tcp_stream>;

Task<void> serveEventsOverTls(std::shared_ptr<TlsStream> stream,
                              http::request<http::string_body> upgrade) {
    websocket::stream<TlsStream> ws(std::move(*stream));
    ErrorCode ec;
    co_await ws.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ws.text(true);
    std::string event = kTlsEvent;
    co_await ws.async_write(asio::buffer(event), asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buffer;
    while (!ec) {  // reading answers the client's pings
        co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        buffer.consume(buffer.size());
    }
}

Task<void> serveTls(std::shared_ptr<TlsAriPeer::State> state, tcp::socket socket) {
    auto stream = std::make_shared<TlsStream>(beast::tcp_stream(std::move(socket)), state->context);
    ErrorCode ec;
    co_await stream->async_handshake(ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    state->handshakes.fetch_add(1);
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        co_await http::async_read(*stream, buffer, request,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        if (websocket::is_upgrade(request)) {
            co_await serveEventsOverTls(stream, std::move(request));
            co_return;
        }
        http::response<http::string_body> response(http::status::ok, 11);
        response.set("Content-type", "application/json");
        response.body() = "[]";
        response.keep_alive(true);
        response.prepare_payload();
        co_await http::async_write(*stream, response,
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
    }
}

Task<void> acceptTls(std::shared_ptr<TlsAriPeer::State> state,
                     std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
        ErrorCode ec;
        tcp::socket socket =
            co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        spawn(acceptor->get_executor(), serveTls(state, std::move(socket)), "tls-peer");
    }
}

}  // namespace

SilentWebSocketPeer::SilentWebSocketPeer() {
    auto acceptor = listenOnLoopback(thread_.context(), port_);
    spawn(thread_.executor(), acceptSilently(state_, acceptor), "silent-ws-peer");
}

SilentWebSocketPeer::~SilentWebSocketPeer() { thread_.stop(); }

std::string SilentWebSocketPeer::baseUrl() const { return baseUrlFor("http", port_); }

DroppingKeepAlivePeer::DroppingKeepAlivePeer() {
    auto acceptor = listenOnLoopback(thread_.context(), port_);
    spawn(thread_.executor(), acceptDropping(state_, acceptor), "dropping-peer");
}

DroppingKeepAlivePeer::~DroppingKeepAlivePeer() { thread_.stop(); }

std::string DroppingKeepAlivePeer::baseUrl() const { return baseUrlFor("http", port_); }

TlsAriPeer::TlsAriPeer() {
    Pem pem = selfSignedCertificate();
    certificate_pem_ = pem.certificate;
    state_ = std::make_shared<State>(pem);
    auto acceptor = listenOnLoopback(thread_.context(), port_);
    spawn(thread_.executor(), acceptTls(state_, acceptor), "tls-peer");
}

TlsAriPeer::~TlsAriPeer() { thread_.stop(); }

std::string TlsAriPeer::baseUrl() const { return baseUrlFor("https", port_); }

int TlsAriPeer::handshakes() const { return state_->handshakes.load(); }

}  // namespace ccapi::ari::test
