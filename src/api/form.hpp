// application/x-www-form-urlencoded bodies (the OAuth2 password grant).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ccapi::api {

// nullopt when the body is not valid form encoding (bad percent escapes, invalid UTF-8).
std::optional<std::map<std::string, std::string, std::less<>>> parseForm(std::string_view body);

bool isValidUtf8(std::string_view text);

}  // namespace ccapi::api
