#include "metrics/text_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace ccapi::metrics {
namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

void appendEscapedLabelValue(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void appendEscapedHelp(std::string& out, std::string_view help) {
    for (char c : help) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void appendValue(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
    } else if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
    } else {
        char buffer[32];
        std::to_chars_result result{};
        // Whole numbers (every counter) print as integers, "1000000" rather than "1e+06".
        if (std::abs(value) < 9007199254740992.0 && std::trunc(value) == value) {
            result =
                std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
        } else {
            // %g-style shortest round trip, so bucket bounds read "0.0005" as client_golang
            // writes them. to_chars ignores the C locale, unlike printf.
            result =
                std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general);
        }
        out.append(buffer, result.ec == std::errc{} ? result.ptr : buffer);
    }
}

std::string formatValue(double value) {
    std::string out;
    appendValue(out, value);
    return out;
}

bool isValidMetricName(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = isAlpha(c) || c == '_' || c == ':' || (i > 0 && isDigit(c));
        if (!ok) return false;
    }
    return true;
}

bool isValidLabelName(std::string_view name) {
    if (name.empty() || name.starts_with("__")) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = isAlpha(c) || c == '_' || (i > 0 && isDigit(c));
        if (!ok) return false;
    }
    return true;
}

}  // namespace ccapi::metrics
