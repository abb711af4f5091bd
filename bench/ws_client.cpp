// The benchmarks' WebSocket client: counts event-stream messages, their rate and latency (B3),
// drains the simulator's ARI event socket for the reference rate (B3), and opens thousands of
// event-stream clients to time one event's fan-out (B6).
//
//   bench_ws drain  --url ws://127.0.0.1:P/ari/events?app=a&api_key=u:p [--seconds S] [--idle-ms M]
//   bench_ws stream --url ws://127.0.0.1:P/api/v2/events --header "Authorization: Bearer T"
//                   [--seconds S] [--idle-ms M]
//   bench_ws fanout --url ... --header ... --clients N --trigger-url
//   http://127.0.0.1:P/api/v2/calls
//                   --trigger-body JSON [--seconds S]
//   bench_ws post   --url http://127.0.0.1:P/api/v2/calls --header ... --body JSON --count N
//                   [--connections C] [--ok 201] [--seconds S]
//
// drain/stream print "ready" once connected, then one line when done:
//   messages=N span_s=T rate=R [p50_ms= p99_ms= max_ms= first_event_id= last_event_id=]
// fanout prints: clients=N connected=C received=K p50_ms= p99_ms= max_ms=
// post prints: ok=N other=M seconds=T rate=R
// Latency in stream mode is receive time minus the message's "at" (the transition's time, same
// machine clock); in fanout mode receive time minus the moment the trigger request was sent.
// Single-threaded on purpose: one core for the client, the other for the service.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct Url {
    std::string host;
    std::string port;
    std::string target;  // path and query
};

std::optional<Url> parseUrl(std::string_view url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return std::nullopt;
    url.remove_prefix(scheme + 3);
    std::size_t slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    Url out;
    out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    std::size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
    return out;
}

struct Options {
    std::string mode;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    double seconds = 30;
    int idle_ms = 0;
    int clients = 1;
    int connect_concurrency = 200;
    std::string trigger_url;
    std::string trigger_body;
    std::string body;  // post mode
    int count = 0;
    int connections = 32;
    int ok_status = 201;
};

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) return 0;
    std::size_t k = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return values[k];
}

// "2026-11-22T04:42:22.213603Z" -> microseconds since the epoch; nullopt when absent or odd.
std::optional<std::int64_t> atMicros(std::string_view message) {
    std::size_t key = message.find("\"at\":");
    if (key == std::string_view::npos) return std::nullopt;
    std::size_t quote = message.find('"', key + 5);
    if (quote == std::string_view::npos) return std::nullopt;
    std::string_view text = message.substr(quote + 1);
    std::tm tm{};
    int micros = 0;
    char frac[16] = {0};
    if (std::sscanf(std::string(text.substr(0, 40)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%15[0-9]",
                    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                    frac) < 6) {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::string digits(frac);
    digits.resize(6, '0');
    micros = std::atoi(digits.c_str());
    return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000 + micros;
}

std::optional<std::int64_t> eventId(std::string_view message) {
    std::size_t key = message.find("\"event_id\":");
    if (key == std::string_view::npos) return std::nullopt;
    return std::strtoll(message.data() + key + 11, nullptr, 10);
}

std::int64_t nowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               SystemClock::now().time_since_epoch())
        .count();
}

using Ws = websocket::stream<tcp::socket>;

ccapi::Task<beast::error_code> connectWs(Ws& ws, const Url& url, const Options& options) {
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto [resolve_ec, results] = co_await resolver.async_resolve(url.host, url.port, kNoThrow);
    if (resolve_ec) co_return resolve_ec;
    auto [connect_ec, endpoint] = co_await asio::async_connect(ws.next_layer(), results, kNoThrow);
    if (connect_ec) co_return connect_ec;
    ws.next_layer().set_option(tcp::no_delay(true));
    auto headers = options.headers;
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        for (const auto& [name, value] : headers) req.set(name, value);
    }));
    ws.read_message_max(64 * 1024 * 1024);
    auto [handshake_ec] =
        co_await ws.async_handshake(url.host + ":" + url.port, url.target, kNoThrow);
    co_return handshake_ec;
}

// drain / stream: one client, every message counted until --seconds or --idle-ms of silence.
struct StreamStats {
    std::uint64_t messages = 0;
    SteadyClock::time_point first{}, last{};
    std::vector<double> latency_ms;
    std::optional<std::int64_t> first_event_id, last_event_id;
    std::uint64_t out_of_order = 0;
    std::string error;
};

// Closes the socket at the deadline, or after idle_ms without a message once one arrived.
struct StreamSession {
    explicit StreamSession(asio::any_io_executor executor) : ws(executor), timer(executor) {}
    Ws ws;
    asio::steady_timer timer;
    bool done = false;
};

ccapi::Task<void> watchStream(std::shared_ptr<StreamSession> session, StreamStats* stats,
                              SteadyClock::time_point deadline, int idle_ms) {
    while (!session->done) {
        session->timer.expires_after(std::chrono::milliseconds(50));
        co_await session->timer.async_wait(kNoThrow);
        if (session->done) co_return;
        auto now = SteadyClock::now();
        bool idle = idle_ms > 0 && stats->messages > 0 &&
                    now - stats->last > std::chrono::milliseconds(idle_ms);
        if (now >= deadline || idle) {
            beast::error_code ignored;
            session->ws.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
            session->ws.next_layer().close(ignored);
            co_return;
        }
    }
}

ccapi::Task<void> runStream(Options options, Url url, StreamStats* stats) {
    auto executor = co_await asio::this_coro::executor;
    auto session = std::make_shared<StreamSession>(executor);
    Ws& ws = session->ws;
    if (auto ec = co_await connectWs(ws, url, options)) {
        stats->error = "connect: " + ec.message();
        co_return;
    }
    std::cout << "ready" << std::endl;
    const auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                   std::chrono::duration<double>(options.seconds));
    ccapi::spawn(executor, watchStream(session, stats, deadline, options.idle_ms), "watchdog");
    const bool parse = options.mode == "stream";
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await ws.async_read(buffer, kNoThrow);
        if (ec) break;
        auto now = SteadyClock::now();
        if (stats->messages == 0) stats->first = now;
        stats->last = now;
        ++stats->messages;
        if (parse) {
            auto data = buffer.cdata();
            std::string_view text(static_cast<const char*>(data.data()), data.size());
            if (auto at = atMicros(text)) {
                stats->latency_ms.push_back(static_cast<double>(nowMicros() - *at) / 1000.0);
            }
            if (auto id = eventId(text)) {
                if (!stats->first_event_id) stats->first_event_id = id;
                if (stats->last_event_id && *id <= *stats->last_event_id) ++stats->out_of_order;
                stats->last_event_id = id;
            }
        }
        buffer.consume(buffer.size());
    }
    session->done = true;
    session->timer.cancel();
}

int streamMain(const Options& options, const Url& url) {
    asio::io_context io(1);
    StreamStats stats;
    ccapi::spawn(io.get_executor(), runStream(options, url, &stats), "stream");
    io.run();
    if (!stats.error.empty()) {
        std::cout << "error=\"" << stats.error << "\"" << std::endl;
        return 1;
    }
    double span = std::chrono::duration<double>(stats.last - stats.first).count();
    double rate = span > 0 ? static_cast<double>(stats.messages) / span : 0;
    std::printf("messages=%llu span_s=%.3f rate=%.0f",
                static_cast<unsigned long long>(stats.messages), span, rate);
    if (options.mode == "stream") {
        auto& l = stats.latency_ms;
        double p50 = percentile(l, 0.50), p99 = percentile(l, 0.99);
        double max = l.empty() ? 0 : *std::max_element(l.begin(), l.end());
        std::printf(
            " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f first_event_id=%lld last_event_id=%lld"
            " out_of_order=%llu",
            p50, p99, max, static_cast<long long>(stats.first_event_id.value_or(0)),
            static_cast<long long>(stats.last_event_id.value_or(0)),
            static_cast<unsigned long long>(stats.out_of_order));
    }
    std::printf("\n");
    return 0;
}

// fanout: N clients, then one trigger request; each client's first event after it is timed.
struct Fanout {
    Options options;
    Url url;
    int connected = 0;
    int failed = 0;
    int finished_connecting = 0;
    int received = 0;
    std::string first_error;
    std::optional<SteadyClock::time_point> trigger_at;
    std::vector<double> delivery_ms;
    std::vector<std::unique_ptr<Ws>> sockets;
};

ccapi::Task<void> fanoutClient(Fanout& f, Ws& ws) {
    auto ec = co_await connectWs(ws, f.url, f.options);
    ++f.finished_connecting;
    if (ec) {
        ++f.failed;
        if (f.first_error.empty()) f.first_error = ec.message();
        co_return;
    }
    ++f.connected;
    beast::flat_buffer buffer;
    bool counted = false;
    for (;;) {
        auto [read_ec, n] = co_await ws.async_read(buffer, kNoThrow);
        if (read_ec) co_return;
        auto now = SteadyClock::now();
        auto data = buffer.cdata();
        std::string_view text(static_cast<const char*>(data.data()), data.size());
        if (!counted && f.trigger_at && text.find("\"call_id\"") != std::string_view::npos) {
            counted = true;
            ++f.received;
            f.delivery_ms.push_back(
                std::chrono::duration<double, std::milli>(now - *f.trigger_at).count());
        }
        buffer.consume(buffer.size());
    }
}

ccapi::Task<void> connectAll(Fanout& f) {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer pause(executor);
    for (int i = 0; i < f.options.clients; ++i) {
        // At most connect_concurrency handshakes in flight, so the listen backlog never overflows.
        while (i - f.finished_connecting >= f.options.connect_concurrency) {
            pause.expires_after(std::chrono::milliseconds(2));
            co_await pause.async_wait(kNoThrow);
        }
        auto& ws = *f.sockets.emplace_back(std::make_unique<Ws>(executor));
        ccapi::spawn(executor, fanoutClient(f, ws), "fanout-client");
    }
}

ccapi::Task<int> trigger(Fanout& f) {
    auto executor = co_await asio::this_coro::executor;
    auto url = parseUrl(f.options.trigger_url);
    if (!url) co_return 0;
    tcp::resolver resolver(executor);
    auto [resolve_ec, results] = co_await resolver.async_resolve(url->host, url->port, kNoThrow);
    if (resolve_ec) co_return 0;
    tcp::socket socket(executor);
    auto [connect_ec, endpoint] = co_await asio::async_connect(socket, results, kNoThrow);
    if (connect_ec) co_return 0;
    http::request<http::string_body> request(http::verb::post, url->target, 11);
    request.set(http::field::host, url->host + ":" + url->port);
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : f.options.headers) request.set(name, value);
    request.body() = f.options.trigger_body;
    request.prepare_payload();
    f.trigger_at = SteadyClock::now();
    auto [write_ec, written] = co_await http::async_write(socket, request, kNoThrow);
    if (write_ec) co_return 0;
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    auto [read_ec, read] = co_await http::async_read(socket, buffer, response, kNoThrow);
    if (read_ec) co_return 0;
    co_return static_cast<int>(response.result_int());
}

ccapi::Task<void> runFanout(Fanout& f, int& trigger_status) {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor);
    const auto deadline =
        SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(f.options.seconds));
    co_await connectAll(f);
    while (f.finished_connecting < f.options.clients && SteadyClock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(kNoThrow);
    }
    std::cout << "connected=" << f.connected << " failed=" << f.failed << std::endl;
    // Let the server register the last subscriptions before the event is created.
    timer.expires_after(std::chrono::milliseconds(500));
    co_await timer.async_wait(kNoThrow);
    if (f.connected > 0) trigger_status = co_await trigger(f);
    while (f.received < f.connected && SteadyClock::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(5));
        co_await timer.async_wait(kNoThrow);
    }
    for (auto& ws : f.sockets) {
        beast::error_code ignored;
        ws->next_layer().close(ignored);
    }
}

int fanoutMain(const Options& options, const Url& url) {
    asio::io_context io(1);
    Fanout f;
    f.options = options;
    f.url = url;
    f.sockets.reserve(static_cast<std::size_t>(options.clients));
    int trigger_status = 0;
    ccapi::spawn(io.get_executor(), runFanout(f, trigger_status), "fanout");
    io.run();
    auto& d = f.delivery_ms;
    double p50 = percentile(d, 0.50), p99 = percentile(d, 0.99);
    double max = d.empty() ? 0 : *std::max_element(d.begin(), d.end());
    std::printf(
        "clients=%d connected=%d received=%d trigger_status=%d p50_ms=%.2f p99_ms=%.2f "
        "max_ms=%.2f",
        options.clients, f.connected, f.received, trigger_status, p50, p99, max);
    if (!f.first_error.empty()) std::printf(" first_error=\"%s\"", f.first_error.c_str());
    std::printf("\n");
    return 0;
}

// post: exactly --count POSTs of one body over --connections keep-alive connections (wrk runs
// for a duration, this for a count: B4 creates its calls with it).
struct PostRun {
    Options options;
    Url url;
    tcp::resolver::results_type endpoints;
    int next = 0;
    int ok = 0;
    int other = 0;
    int failed_connections = 0;
    std::string first_error;
};

ccapi::Task<void> postConnection(PostRun& run) {
    auto executor = co_await asio::this_coro::executor;
    tcp::socket socket(executor);
    auto [connect_ec, endpoint] = co_await asio::async_connect(socket, run.endpoints, kNoThrow);
    if (connect_ec) {
        ++run.failed_connections;
        if (run.first_error.empty()) run.first_error = connect_ec.message();
        co_return;
    }
    socket.set_option(tcp::no_delay(true));
    http::request<http::string_body> request(http::verb::post, run.url.target, 11);
    request.set(http::field::host, run.url.host + ":" + run.url.port);
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : run.options.headers) request.set(name, value);
    request.body() = run.options.body;
    request.prepare_payload();
    beast::flat_buffer buffer;
    while (run.next < run.options.count) {
        ++run.next;
        auto [write_ec, written] = co_await http::async_write(socket, request, kNoThrow);
        if (write_ec) break;
        http::response<http::string_body> response;
        auto [read_ec, read] = co_await http::async_read(socket, buffer, response, kNoThrow);
        if (read_ec) break;
        if (static_cast<int>(response.result_int()) == run.options.ok_status) {
            ++run.ok;
        } else {
            ++run.other;
            if (run.first_error.empty()) {
                run.first_error =
                    std::to_string(response.result_int()) + " " + response.body().substr(0, 200);
            }
        }
        if (!response.keep_alive()) break;
    }
}

int postMain(const Options& options, const Url& url) {
    PostRun run;  // outlives the io_context, whose destructor may still free coroutine frames
    asio::io_context io(1);
    run.options = options;
    run.url = url;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    run.endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) {
        std::printf("error=\"resolve: %s\"\n", ec.message().c_str());
        return 1;
    }
    auto start = SteadyClock::now();
    for (int i = 0; i < options.connections; ++i) {
        ccapi::spawn(io.get_executor(), postConnection(run), "post-connection");
    }
    io.run_for(std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(options.seconds)));
    double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    std::printf("ok=%d other=%d seconds=%.3f rate=%.0f", run.ok, run.other, seconds,
                seconds > 0 ? run.ok / seconds : 0);
    if (!run.first_error.empty()) std::printf(" first_error=\"%s\"", run.first_error.c_str());
    std::printf("\n");
    return 0;
}

int usage() {
    std::cerr << "usage: bench_ws drain|stream|fanout|post --url URL [--header 'Name: value']...\n"
                 "       [--seconds S] [--idle-ms M] [--clients N] [--connect-concurrency N]\n"
                 "       [--trigger-url URL --trigger-body JSON]\n"
                 "       [--body JSON --count N --connections C --ok STATUS]   (post)\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    Options options;
    options.mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        std::string value = argv[i + 1];
        if (flag == "--url") {
            options.url = value;
        } else if (flag == "--header") {
            auto colon = value.find(':');
            if (colon == std::string::npos) return usage();
            std::size_t start = value.find_first_not_of(' ', colon + 1);
            options.headers.emplace_back(value.substr(0, colon),
                                         start == std::string::npos ? "" : value.substr(start));
        } else if (flag == "--seconds") {
            options.seconds = std::atof(value.c_str());
        } else if (flag == "--idle-ms") {
            options.idle_ms = std::atoi(value.c_str());
        } else if (flag == "--clients") {
            options.clients = std::max(1, std::atoi(value.c_str()));
        } else if (flag == "--connect-concurrency") {
            options.connect_concurrency = std::max(1, std::atoi(value.c_str()));
        } else if (flag == "--trigger-url") {
            options.trigger_url = value;
        } else if (flag == "--trigger-body") {
            options.trigger_body = value;
        } else if (flag == "--body") {
            options.body = value;
        } else if (flag == "--count") {
            options.count = std::atoi(value.c_str());
        } else if (flag == "--connections") {
            options.connections = std::max(1, std::atoi(value.c_str()));
        } else if (flag == "--ok") {
            options.ok_status = std::atoi(value.c_str());
        } else {
            return usage();
        }
    }
    auto url = parseUrl(options.url);
    if (!url) return usage();
    if (options.mode == "drain" || options.mode == "stream") return streamMain(options, *url);
    if (options.mode == "fanout") return fanoutMain(options, *url);
    if (options.mode == "post") return postMain(options, *url);
    return usage();
}
