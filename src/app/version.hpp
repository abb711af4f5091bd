// The version this binary reports (/, /health, --version).
#pragma once

namespace ccapi::app {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace ccapi::app
