#include "core/ids.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace ccapi {
namespace {

void fillRandom(unsigned char* out, std::size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");  // broken invariant: no entropy
    }
}

constexpr char kHex[] = "0123456789abcdef";

std::string formatUuid(const std::array<unsigned char, 16>& b) {
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[b[i] >> 4]);
        out.push_back(kHex[b[i] & 0xf]);
    }
    return out;
}

}  // namespace

std::string newUuid() {
    std::array<unsigned char, 16> b;
    fillRandom(b.data(), b.size());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    return formatUuid(b);
}

std::string newTimeOrderedUuid(UnixMicros now) {
    std::array<unsigned char, 16> b;
    fillRandom(b.data(), b.size());
    // RFC 9562 §5.7: the first 48 bits are the Unix time in milliseconds, big-endian.
    const auto millis = static_cast<std::uint64_t>(std::max<UnixMicros>(now, 0) / 1000);
    for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    return formatUuid(b);
}

std::string randomToken(std::size_t bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string raw(bytes, '\0');
    fillRandom(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
    std::string out;
    out.reserve(bytes);
    for (unsigned char c : raw) out.push_back(kAlphabet[c & 63]);
    return out;
}

bool isUuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

}  // namespace ccapi
