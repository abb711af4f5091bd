// B1's reference: the smallest Beast keep-alive server that answers every request with a fixed
// JSON body (the bytes of a real GET /api/v2/calls/{id} answer), without auth or storage.
//
// It is shaped like the service's HTTP core (docs/adr/0001-io-context-per-thread.md): one
// single-threaded io_context per thread, an SO_REUSEPORT listener on each, one coroutine per
// connection, no strands and no timers, so the ratio B1 reports is the cost of everything the
// service adds (routing, JWT, store lookup, JSON rendering, access log), not of a different
// server design.
//
//   bench_ref_server --port 18001 --threads 2 --body-file call.json
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/async.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

ccapi::Task<void> serveConnection(tcp::socket socket, std::shared_ptr<const std::string> body) {
    socket.set_option(tcp::no_delay(true));
    boost::beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        auto [read_ec, read_n] = co_await http::async_read(socket, buffer, request, kNoThrow);
        if (read_ec) co_return;
        http::response<http::string_body> response(http::status::ok, request.version());
        response.set(http::field::content_type, "application/json");
        response.body() = *body;
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        auto [write_ec, write_n] = co_await http::async_write(socket, response, kNoThrow);
        if (write_ec || !response.keep_alive()) co_return;
    }
}

ccapi::Task<void> acceptLoop(tcp::acceptor acceptor, std::shared_ptr<const std::string> body) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
        if (ec) {
            if (ec == asio::error::operation_aborted) co_return;
            continue;
        }
        auto executor = socket.get_executor();
        ccapi::spawn(executor, serveConnection(std::move(socket), body), "ref-connection");
    }
}

int usage() {
    std::cerr << "usage: bench_ref_server --port N [--threads N] --body-file FILE\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::string body_file;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--port") {
            port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
        } else if (flag == "--threads") {
            threads = static_cast<unsigned>(std::max(1, std::atoi(argv[i + 1])));
        } else if (flag == "--body-file") {
            body_file = argv[i + 1];
        } else {
            return usage();
        }
    }
    if (port == 0 || body_file.empty()) return usage();
    std::ifstream in(body_file);
    if (!in) {
        std::cerr << "bench_ref_server: cannot read " << body_file << "\n";
        return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto body = std::make_shared<const std::string>(text.str());

    std::vector<std::unique_ptr<asio::io_context>> contexts;
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    for (unsigned i = 0; i < threads; ++i) {
        auto& io = *contexts.emplace_back(std::make_unique<asio::io_context>(1));
        tcp::acceptor acceptor(io);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.set_option(ReusePort(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        ccapi::spawn(io.get_executor(), acceptLoop(std::move(acceptor), body), "ref-accept");
    }
    asio::signal_set signals(*contexts[0], SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) {
        for (auto& io : contexts) io->stop();
    });
    std::cout << "bench_ref_server listening on http://127.0.0.1:" << port << " (" << threads
              << " threads)" << std::endl;
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&, i] { contexts[i]->run(); });
    contexts[0]->run();
    for (auto& t : workers) t.join();
    return 0;
}
