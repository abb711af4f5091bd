#include "core/request_ids.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace ccapi {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::uint64_t randomWord() {
    std::uint64_t word = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&word), sizeof word) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");  // broken invariant: no entropy
    }
    return word;
}

// The splitmix64 finalizer: a bijection on 64-bit words, so distinct counters give distinct ids.
std::uint64_t mix(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Writes 16 hex digits at `out` (one per request: no per-digit push_back bounds checks).
void writeHex(char* out, std::uint64_t word) {
    for (int i = 15; i >= 0; --i, word >>= 4) out[i] = kHex[word & 0xf];
}

}  // namespace

RequestIdSource::RequestIdSource() : prefix_(randomWord()), salt_(randomWord()) {}

std::string RequestIdSource::next() {
    const auto n = counter_.fetch_add(1, std::memory_order_relaxed);
    std::string out(32, '\0');
    writeHex(out.data(), prefix_);
    writeHex(out.data() + 16, mix(n ^ salt_));
    return out;
}

}  // namespace ccapi
