// Structured logging: one line per record, JSON (default) or text, on spdlog's async sink.
//
// The logger is the one piece of process-wide state: it is configured once in main() before any
// thread starts and is then only read. Callers never pass secrets in fields.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace ccapi::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Options {
    Level level = Level::kInfo;
    bool json = true;
    std::string file;  // empty: stderr
};

void init(const Options& options);
void flush();
bool enabled(Level level);
void write(Level level, std::string_view message, const boost::json::object& fields = {});

inline void debug(std::string_view m, const boost::json::object& f = {}) {
    write(Level::kDebug, m, f);
}
inline void info(std::string_view m, const boost::json::object& f = {}) {
    write(Level::kInfo, m, f);
}
inline void warn(std::string_view m, const boost::json::object& f = {}) {
    write(Level::kWarn, m, f);
}
inline void error(std::string_view m, const boost::json::object& f = {}) {
    write(Level::kError, m, f);
}

// Parses "debug|info|warning|warn|error|critical" (any case); nullopt-like false on failure.
bool parseLevel(std::string_view text, Level& out);

}  // namespace ccapi::log
