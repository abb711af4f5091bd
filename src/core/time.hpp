// Wall-clock time as microseconds since the epoch, an injectable clock, and ISO-8601 formatting.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ccapi {

// Microseconds since the Unix epoch, UTC. The storage and wire representation of every timestamp.
using UnixMicros = std::int64_t;

// Injected wherever time matters so that tests can move it by hand (see tests/fakes/fake_clock).
// Implementations must be safe to call from any thread.
class Clock {
public:
    virtual ~Clock() = default;
    virtual UnixMicros now() const = 0;
    virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock final : public Clock {
public:
    UnixMicros now() const override;
    std::chrono::steady_clock::time_point steadyNow() const override;
};

// "2026-11-22T00:40:26.539123Z"
std::string formatIso8601(UnixMicros t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|+HHMM]" and a date alone (midnight UTC).
std::optional<UnixMicros> parseIso8601(std::string_view text);

}  // namespace ccapi
