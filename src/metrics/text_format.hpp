// Pieces of the Prometheus text exposition format 0.0.4: escaping, number formatting, name rules.
#pragma once

#include <string>
#include <string_view>

namespace ccapi::metrics {

// What GET /metrics answers with in Content-Type.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Label values escape backslash, double quote and line feed.
void appendEscapedLabelValue(std::string& out, std::string_view value);
// HELP text escapes backslash and line feed (a quote is legal there).
void appendEscapedHelp(std::string& out, std::string_view help);
// Shortest text that parses back to the same double: integers as integers ("3", "1000000"),
// others %g-style ("0.25", "0.0005", "1e-05"); and the format's "+Inf", "-Inf", "NaN".
void appendValue(std::string& out, double value);
std::string formatValue(double value);

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool isValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved by Prometheus).
bool isValidLabelName(std::string_view name);

}  // namespace ccapi::metrics
