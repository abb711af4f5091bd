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

void appendHex(std::string& out, std::uint64_t word) {
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(word >> shift) & 0xf]);
}

}  // namespace

RequestIdSource::RequestIdSource() : prefix_(randomWord()), salt_(randomWord()) {}

std::string RequestIdSource::next() {
    const auto n = counter_.fetch_add(1, std::memory_order_relaxed);
    std::string out;
    out.reserve(32);
    appendHex(out, prefix_);
    appendHex(out, mix(n ^ salt_));
    return out;
}

}  // namespace ccapi
