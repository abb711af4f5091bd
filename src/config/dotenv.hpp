// Parser for `.env` files in python-dotenv's dialect, the one pydantic-settings users already have.
//
// Supported: `KEY=VALUE`, an optional `export ` prefix, single quotes (literal, `\'` and `\\`
// only), double quotes (escapes \n \t \r \" \\ …, may span lines), unquoted values with a
// ` # comment` tail, full-line `#` comments, blank lines, CRLF, a UTF-8 BOM, and `${NAME}` /
// `${NAME:-default}` expansion in unquoted and double-quoted values (earlier entries of the file
// first, then the given environment, as python-dotenv does). A line that cannot be parsed is
// skipped with a warning that names its line number, never its content (it may hold a secret).
// Pure functions: no I/O, no global state.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ccapi::config {

struct DotenvEntry {
    std::string key;
    std::string value;
    int line = 0;  // 1-based line where the entry starts
};

struct DotenvResult {
    std::vector<DotenvEntry> entries;   // in file order; a later duplicate overrides an earlier one
    std::vector<std::string> warnings;  // e.g. "line 7: cannot parse, ignored"
};

DotenvResult parseDotenv(std::string_view text,
                         const std::map<std::string, std::string>& environment = {});

}  // namespace ccapi::config
