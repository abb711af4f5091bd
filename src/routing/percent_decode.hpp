// Percent-decoding of URL query and form components ('+' is a space).
//
// Written by hand because Boost.URL 1.81's pct_string_view::decode(encoding_opts) returned a
// stray trailing character here (a cursor came back with an extra "Q").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ccapi::routing {

// nullopt for a malformed escape ("%G1", a trailing "%").
std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space = true);

}  // namespace ccapi::routing
