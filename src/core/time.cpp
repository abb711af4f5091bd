#include "core/time.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace ccapi {

UnixMicros SystemClock::now() const {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::chrono::steady_clock::time_point SystemClock::steadyNow() const {
    return std::chrono::steady_clock::now();
}

std::string formatIso8601(UnixMicros t) {
    std::int64_t seconds = t / 1'000'000;
    std::int64_t micros = t % 1'000'000;
    if (micros < 0) {
        micros += 1'000'000;
        seconds -= 1;
    }
    std::time_t tt = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(micros));
    return buf;
}

namespace {

bool readInt(std::string_view& s, std::size_t digits, int& out) {
    if (s.size() < digits) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + digits, out);
    if (ec != std::errc{} || p != s.data() + digits) return false;
    s.remove_prefix(digits);
    return true;
}

bool expect(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<UnixMicros> parseIso8601(std::string_view s) {
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (!readInt(s, 4, year) || !expect(s, '-') || !readInt(s, 2, month) || !expect(s, '-') ||
        !readInt(s, 2, day)) {
        return std::nullopt;
    }
    std::int64_t micros = 0;
    int offset_seconds = 0;
    if (!s.empty()) {
        if (s.front() != 'T' && s.front() != 't' && s.front() != ' ') return std::nullopt;
        s.remove_prefix(1);
        if (!readInt(s, 2, hour) || !expect(s, ':') || !readInt(s, 2, minute)) return std::nullopt;
        if (!s.empty() && s.front() == ':') {
            s.remove_prefix(1);
            if (!readInt(s, 2, second)) return std::nullopt;
        }
        if (!s.empty() && s.front() == '.') {
            s.remove_prefix(1);
            int scale = 100000, n = 0;
            while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.front()))) {
                micros += (s.front() - '0') * scale;
                scale /= 10;
                s.remove_prefix(1);
                ++n;
            }
            if (n == 0) return std::nullopt;
        }
        if (!s.empty()) {
            if (s == "Z" || s == "z") {
                s.remove_prefix(1);
            } else if (s.front() == '+' || s.front() == '-') {
                int sign = s.front() == '-' ? -1 : 1;
                s.remove_prefix(1);
                int oh, om = 0;
                if (!readInt(s, 2, oh)) return std::nullopt;
                if (!s.empty() && s.front() == ':') s.remove_prefix(1);
                if (!s.empty() && !readInt(s, 2, om)) return std::nullopt;
                offset_seconds = sign * (oh * 3600 + om * 60);
            }
        }
    }
    if (!s.empty()) return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    std::time_t t = timegm(&tm);
    return (static_cast<std::int64_t>(t) - offset_seconds) * 1'000'000 + micros;
}

}  // namespace ccapi
