// Wire formats Asterisk uses: timestamps, HTTP dates, Q.850 cause texts, caller ids, query
// decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "arisim/options.hpp"

namespace ccapi::arisim {

// Milliseconds since the Unix epoch (UTC).
using UnixMillis = std::int64_t;

UnixMillis wallNowMillis();

// "2026-11-22T00:40:26.539+0000": millisecond precision, offset without a colon.
std::string asteriskTimestamp(UnixMillis t);
// "Sun, 22 Nov 2026 00:51:38 GMT" (RFC 7231 IMF-fixdate) for the Date header.
std::string httpDate(UnixMillis t);

// ast_cause2str(): "Normal Clearing" for 16, "Unknown" for 0 and unlisted values.
std::string_view causeText(int cause);
// The `reason` values of DELETE /channels/{id} (convert_reason_to_hangup_code).
std::optional<int> hangupReasonCause(std::string_view reason);
// sscanf("%d") semantics: leading blanks, optional sign, digits; trailing text is ignored.
std::optional<int> parseLeadingInt(std::string_view text);

struct PartyId {
    std::string name;
    std::string number;
    bool operator==(const PartyId&) const = default;
};
// ast_callerid_parse() + ast_shrink_phone_number(): `"Test" <+1 555-000>` -> {Test, +1555000};
// a bare phone number is a number, anything else a name.
PartyId parseCallerId(std::string_view text);

// ast_uri_decode(..., ast_uri_http_legacy): %XX escapes, and '+' means a space.
std::string uriDecodeLegacy(std::string_view text);

// Dialplan application argument for a duration: 1000ms -> "1", 1500ms -> "1.5".
std::string formatSeconds(Millis duration);

}  // namespace ccapi::arisim
