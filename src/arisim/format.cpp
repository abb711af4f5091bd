#include "arisim/format.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace ccapi::arisim {
namespace {

std::tm utcTime(UnixMillis t) {
    std::time_t seconds = static_cast<std::time_t>(t >= 0 ? t / 1000 : (t - 999) / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return tm;
}

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
    while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view stripQuotes(std::string_view s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

bool isPhoneNumber(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (std::string_view("0123456789*#+").find(c) == std::string_view::npos) return false;
    }
    return true;
}

bool isShrinkable(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (std::string_view("0123456789*#+-() .").find(c) == std::string_view::npos) return false;
    }
    return true;
}

std::string shrinkPhoneNumber(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '-' || c == '(' || c == ')' || c == ' ') continue;
        if (c == '.' && i + 1 < s.size()) continue;
        out.push_back(c);
    }
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

UnixMillis wallNowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string asteriskTimestamp(UnixMillis t) {
    std::tm tm = utcTime(t);
    auto ms = static_cast<int>(((t % 1000) + 1000) % 1000);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf;
}

std::string httpDate(UnixMillis t) {
    static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm = utcTime(t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

std::string_view causeText(int cause) {
    switch (cause) {
        case 1:
            return "Unallocated (unassigned) number";
        case 2:
            return "No route to specified transmit network";
        case 3:
            return "No route to destination";
        case 5:
            return "Misdialed trunk prefix";
        case 6:
            return "Channel unacceptable";
        case 7:
            return "Call awarded and being delivered in an established channel";
        case 8:
            return "Pre-empted";
        case 14:
            return "Number ported elsewhere";
        case 16:
            return "Normal Clearing";
        case 17:
            return "User busy";
        case 18:
            return "No user responding";
        case 19:
            return "User alerting, no answer";
        case 20:
            return "Subscriber absent";
        case 21:
            return "Call Rejected";
        case 22:
            return "Number changed";
        case 23:
            return "Redirected to new destination";
        case 26:
            return "Answered elsewhere";
        case 27:
            return "Destination out of order";
        case 28:
            return "Invalid number format";
        case 29:
            return "Facility rejected";
        case 30:
            return "Response to STATus ENQuiry";
        case 31:
            return "Normal, unspecified";
        case 34:
            return "Circuit/channel congestion";
        case 38:
            return "Network out of order";
        case 41:
            return "Temporary failure";
        case 42:
            return "Switching equipment congestion";
        case 43:
            return "Access information discarded";
        case 44:
            return "Requested channel not available";
        case 50:
            return "Facility not subscribed";
        case 52:
            return "Outgoing call barred";
        case 54:
            return "Incoming call barred";
        case 57:
            return "Bearer capability not authorized";
        case 58:
            return "Bearer capability not available";
        case 65:
            return "Bearer capability not implemented";
        case 66:
            return "Channel not implemented";
        case 69:
            return "Facility not implemented";
        case 81:
            return "Invalid call reference value";
        case 88:
            return "Incompatible destination";
        case 95:
            return "Invalid message unspecified";
        case 96:
            return "Mandatory information element is missing";
        case 97:
            return "Message type nonexist.";
        case 98:
            return "Wrong message";
        case 99:
            return "Info. element nonexist or not implemented";
        case 100:
            return "Invalid information element contents";
        case 101:
            return "Message not compatible with call state";
        case 102:
            return "Recover on timer expiry";
        case 103:
            return "Mandatory IE length error";
        case 111:
            return "Protocol error, unspecified";
        case 127:
            return "Interworking, unspecified";
        default:
            return "Unknown";
    }
}

std::optional<int> hangupReasonCause(std::string_view reason) {
    struct Entry {
        std::string_view name;
        int cause;
    };
    static constexpr std::array<Entry, 13> kReasons{{{"normal", 16},
                                                     {"busy", 17},
                                                     {"congestion", 34},
                                                     {"no_answer", 19},
                                                     {"timeout", 18},
                                                     {"rejected", 21},
                                                     {"unallocated", 1},
                                                     {"normal_unspecified", 31},
                                                     {"number_incomplete", 28},
                                                     {"codec_mismatch", 58},
                                                     {"interworking", 127},
                                                     {"failure", 38},
                                                     {"answered_elsewhere", 26}}};
    for (const auto& e : kReasons) {
        if (e.name == reason) return e.cause;
    }
    return std::nullopt;
}

std::optional<int> parseLeadingInt(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && isBlank(text[i])) ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    std::size_t digits_start = i;
    long long value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - digits_start < 30) {
        value = value * 10 + (text[i] - '0');
        if (value > 2147483648LL) value = 2147483648LL;
        ++i;
    }
    if (i == digits_start) return std::nullopt;
    if (negative) value = -value;
    if (value > 2147483647LL) value = 2147483647LL;
    return static_cast<int>(value);
}

PartyId parseCallerId(std::string_view text) {
    PartyId party;
    std::string_view input = stripQuotes(text);
    auto open = input.rfind('<');
    auto close = open == std::string_view::npos ? std::string_view::npos : input.find('>', open);
    std::string number;
    if (open != std::string_view::npos && close != std::string_view::npos) {
        party.name = std::string(stripQuotes(input.substr(0, open)));
        number = std::string(trim(input.substr(open + 1, close - open - 1)));
    } else {
        std::string shrunk = shrinkPhoneNumber(input);
        if (isPhoneNumber(shrunk)) {
            number = shrunk;
        } else {
            party.name = std::string(input);
        }
    }
    if (isShrinkable(number)) number = shrinkPhoneNumber(number);
    party.number = number;
    return party;
}

std::string uriDecodeLegacy(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
                   hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string formatSeconds(Millis duration) {
    auto ms = duration.count();
    char buf[32];
    if (ms % 1000 == 0) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(ms / 1000));
    } else {
        std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
        std::string s(buf);
        while (!s.empty() && s.back() == '0') s.pop_back();
        return s;
    }
    return buf;
}

}  // namespace ccapi::arisim
