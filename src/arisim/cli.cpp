#include "arisim/cli.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "arisim/simulator.hpp"

namespace ccapi::arisim {
namespace {

constexpr const char* kUsage =
    "usage: ccapi ari-sim [--port N] [--host ADDR] [--answer-after-ms N] [--hangup-after-ms N]\n"
    "                     [--user NAME] [--password PASS] [--time-scale X] [--session-limit N]\n"
    "                     [--ws-write-timeout-ms N]\n";

template <class T>
std::optional<T> parseNumber(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<double> parseDouble(const std::string& text) {
    try {
        std::size_t used = 0;
        double value = std::stod(text, &used);
        if (used != text.size()) return std::nullopt;
        return value;
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace

int runCli(int argc, char** argv) {
    SimulatorOptions options;
    options.port = 8088;
    int i = 1;
    if (i < argc && std::string_view(argv[i]) == "ari-sim") ++i;
    for (; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "ari-sim: %s needs a value\n%s", argv[i], kUsage);
            return 2;
        }
        std::string value = argv[++i];
        bool ok = true;
        if (flag == "--port") {
            auto port = parseNumber<std::uint16_t>(value);
            ok = port.has_value();
            if (ok) options.port = *port;
        } else if (flag == "--host") {
            options.host = value;
        } else if (flag == "--answer-after-ms" || flag == "--hangup-after-ms") {
            auto ms = parseNumber<long>(value);
            ok = ms.has_value() && *ms >= 0;
            if (ok)
                (flag == "--answer-after-ms" ? options.answer_after : options.hangup_after) =
                    Millis(*ms);
        } else if (flag == "--ws-write-timeout-ms") {
            auto ms = parseNumber<long>(value);
            ok = ms.has_value() && *ms > 0;
            if (ok) options.ws_write_timeout = Millis(*ms);
        } else if (flag == "--user") {
            options.username = value;
        } else if (flag == "--password") {
            options.password = value;
        } else if (flag == "--time-scale") {
            auto scale = parseDouble(value);
            ok = scale.has_value() && *scale > 0;
            if (ok) options.time_scale = *scale;
        } else if (flag == "--session-limit") {
            auto limit = parseNumber<std::size_t>(value);
            ok = limit.has_value();
            if (ok) options.session_limit = *limit;
        } else {
            std::fprintf(stderr, "ari-sim: unknown flag %s\n%s", argv[i - 1], kUsage);
            return 2;
        }
        if (!ok) {
            std::fprintf(stderr, "ari-sim: bad value for %s: %s\n", argv[i - 1], value.c_str());
            return 2;
        }
    }

    boost::asio::io_context io;
    AriSimulator simulator(io, options);
    if (auto ec = simulator.start()) {
        std::fprintf(stderr, "ari-sim: cannot listen on %s:%u: %s\n", options.host.c_str(),
                     static_cast<unsigned>(options.port), ec.message().c_str());
        return 1;
    }
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        simulator.stop();
        io.stop();
    });
    std::printf("ARI simulator listening on http://%s:%u/ari (user %s)\n", options.host.c_str(),
                static_cast<unsigned>(simulator.port()), options.username.c_str());
    std::fflush(stdout);
    io.run();
    return 0;
}

}  // namespace ccapi::arisim
