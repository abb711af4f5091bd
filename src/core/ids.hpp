// Random identifiers: UUID v4 for calls and token ids, short ids for requests, secrets.
#pragma once

#include <string>

namespace ccapi {

// RFC 4122 version 4, lowercase, from OpenSSL's CSPRNG.
std::string newUuid();
// 32 hex characters; used for X-Request-ID when the client sends none.
std::string newRequestId();
// URL-safe random text with `bytes` bytes of entropy (secrets, passwords).
std::string randomToken(std::size_t bytes);
bool isUuid(std::string_view text);

}  // namespace ccapi
