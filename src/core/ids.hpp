// Random identifiers: UUID v7 for calls, v4 for token ids, secrets (request ids:
// request_ids.hpp).
#pragma once

#include <string>

#include "core/time.hpp"

namespace ccapi {

// RFC 4122 version 4, lowercase, from OpenSSL's CSPRNG.
std::string newUuid();
// RFC 9562 version 7: `now`'s millisecond first, then 74 random bits. Ids made later sort after
// (within a millisecond, in random order), so the B-tree indexes on call_id (both backends)
// take each new call on their last pages instead of a random page each: a group commit of N
// creates writes a few index pages, not N.
std::string newTimeOrderedUuid(UnixMicros now);
// URL-safe random text with `bytes` bytes of entropy (secrets, passwords).
std::string randomToken(std::size_t bytes);
bool isUuid(std::string_view text);

}  // namespace ccapi
