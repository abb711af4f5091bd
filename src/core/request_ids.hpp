// Request ids (X-Request-ID when the client sends none): unique, unguessable enough to not
// collide across processes, and cheap. They are correlation handles, not secrets, so one
// CSPRNG draw per source (not per request) suffices; the per-request CSPRNG draw this replaces
// was an eighth of a GET's CPU time (issue 5, B1 profile).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace ccapi {

// 32 lowercase hex characters: a random 64-bit prefix drawn at construction, then a 64-bit
// counter passed through a bijective mixer (so consecutive ids do not look consecutive and no
// two ids of one source are equal). Thread-safe: one relaxed atomic increment per id.
class RequestIdSource {
public:
    RequestIdSource();
    std::string next();

private:
    std::uint64_t prefix_;
    std::uint64_t salt_;
    std::atomic<std::uint64_t> counter_{0};
};

}  // namespace ccapi
