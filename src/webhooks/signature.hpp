// Webhook request signing (SPEC §5): X-Signature = "t=<unix seconds>,v1=<hex HMAC-SHA256>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ccapi::webhooks {

// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

// "t=<unix_seconds>,v1=<hex HMAC-SHA256(secret, "<unix_seconds>.<body>")>". A receiver recomputes
// it from the raw body it got and the t it was sent, and rejects stale t values (replays).
std::string signatureHeader(std::string_view secret, std::int64_t unix_seconds,
                            std::string_view body);

}  // namespace ccapi::webhooks
