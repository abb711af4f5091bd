#include "core/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "core/time.hpp"

namespace ccapi::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{true};

spdlog::level::level_enum toSpd(Level l) {
    switch (l) {
        case Level::kDebug:
            return spdlog::level::debug;
        case Level::kInfo:
            return spdlog::level::info;
        case Level::kWarn:
            return spdlog::level::warn;
        case Level::kError:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

const char* name(Level l) {
    switch (l) {
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warning";
        case Level::kError:
            return "error";
    }
    return "info";
}

std::shared_ptr<spdlog::logger> logger() {
    auto l = spdlog::get("ccapi");
    return l ? l : spdlog::default_logger();
}

}  // namespace

void init(const Options& options) {
    g_level = static_cast<int>(options.level);
    g_json = options.json;
    spdlog::drop("ccapi");
    if (!spdlog::thread_pool()) spdlog::init_thread_pool(16384, 1);
    spdlog::sink_ptr sink;
    if (options.file.empty()) {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file);
    }
    auto l = std::make_shared<spdlog::async_logger>("ccapi", sink, spdlog::thread_pool(),
                                                    spdlog::async_overflow_policy::block);
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::warn);
    spdlog::register_logger(l);
}

void flush() { logger()->flush(); }

bool enabled(Level level) {
    return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message, const boost::json::object& fields) {
    if (!enabled(level)) return;
    std::string line;
    auto ts = formatIso8601(SystemClock{}.now());
    if (g_json.load(std::memory_order_relaxed)) {
        boost::json::object o;
        o["ts"] = ts;
        o["level"] = name(level);
        o["msg"] = message;
        for (const auto& kv : fields) o[kv.key()] = kv.value();
        line = boost::json::serialize(o);
    } else {
        line = ts + " " + name(level) + " " + std::string(message);
        for (const auto& kv : fields) {
            line += " ";
            line += kv.key();
            line += "=";
            line += kv.value().is_string() ? std::string(kv.value().get_string())
                                           : boost::json::serialize(kv.value());
        }
    }
    logger()->log(toSpd(level), line);
}

bool parseLevel(std::string_view text, Level& out) {
    std::string t(text);
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "debug" || t == "trace")
        out = Level::kDebug;
    else if (t == "info")
        out = Level::kInfo;
    else if (t == "warning" || t == "warn")
        out = Level::kWarn;
    else if (t == "error" || t == "critical")
        out = Level::kError;
    else
        return false;
    return true;
}

}  // namespace ccapi::log
