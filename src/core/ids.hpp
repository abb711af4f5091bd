// Random identifiers: UUID v4 for calls and token ids, secrets (request ids: request_ids.hpp).
#pragma once

#include <string>

namespace ccapi {

// RFC 4122 version 4, lowercase, from OpenSSL's CSPRNG.
std::string newUuid();
// URL-safe random text with `bytes` bytes of entropy (secrets, passwords).
std::string randomToken(std::size_t bytes);
bool isUuid(std::string_view text);

}  // namespace ccapi
