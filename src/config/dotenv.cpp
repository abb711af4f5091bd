#include "config/dotenv.hpp"

#include <optional>

namespace ccapi::config {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

struct RawEntry {
    std::string key;
    std::string value;
    bool interpolate = false;  // unquoted and double-quoted values expand ${NAME}
    int line = 0;
};

class Reader {
public:
    explicit Reader(std::string_view text) : s_(text) {
        if (s_.starts_with("\xEF\xBB\xBF")) s_.remove_prefix(3);
    }

    bool atEnd() const { return pos_ >= s_.size(); }
    char peek() const { return atEnd() ? '\0' : s_[pos_]; }
    int line() const { return line_; }
    std::string_view rest() const { return s_.substr(pos_); }

    void advance(std::size_t n = 1) {
        for (std::size_t i = 0; i < n && !atEnd(); ++i, ++pos_) {
            if (s_[pos_] == '\n') ++line_;
        }
    }
    void skipBlanks() {
        while (!atEnd() && isBlank(peek())) advance();
    }
    void skipWhitespace() {
        while (!atEnd() && isSpace(peek())) advance();
    }
    bool atEndOfLine() const {
        return atEnd() || peek() == '\n' || (peek() == '\r' && rest().starts_with("\r\n")) ||
               (peek() == '\r' && pos_ + 1 == s_.size());
    }
    // Consumes the rest of the line including its terminator.
    void skipLine() {
        while (!atEnd() && peek() != '\n') advance();
        advance();
    }
    // The rest of the line without its terminator, consumed.
    std::string_view takeLine() {
        std::size_t start = pos_;
        while (!atEnd() && peek() != '\n') advance();
        std::string_view line = s_.substr(start, pos_ - start);
        if (line.ends_with('\r')) line.remove_suffix(1);
        advance();  // the '\n'
        return line;
    }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

// Reads a quoted string starting at the opening quote; nullopt when it is not terminated.
// Returns the raw text between the quotes (escapes still encoded).
// On failure the reader has not moved, so only the rest of that line is skipped (as python-dotenv).
std::optional<std::string> readQuoted(Reader& reader, char quote) {
    Reader r = reader;
    r.advance();  // opening quote
    std::string raw;
    while (!r.atEnd()) {
        char c = r.peek();
        if (c == '\\' && r.rest().size() >= 2 && r.rest()[1] == quote) {
            raw += '\\';
            raw += quote;
            r.advance(2);
            continue;
        }
        if (c == quote) {
            r.advance();
            reader = r;
            return raw;
        }
        raw += c;
        r.advance();
    }
    return std::nullopt;
}

std::string decodeSingleQuoted(std::string_view raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '\\' || raw[i + 1] == '\'')) {
            out += raw[++i];
        } else {
            out += raw[i];
        }
    }
    return out;
}

std::string decodeDoubleQuoted(std::string_view raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\' || i + 1 == raw.size()) {
            out += raw[i];
            continue;
        }
        char e = raw[i + 1];
        char decoded = 0;
        switch (e) {
            case '\\':
                decoded = '\\';
                break;
            case '\'':
                decoded = '\'';
                break;
            case '"':
                decoded = '"';
                break;
            case 'a':
                decoded = '\a';
                break;
            case 'b':
                decoded = '\b';
                break;
            case 'f':
                decoded = '\f';
                break;
            case 'n':
                decoded = '\n';
                break;
            case 'r':
                decoded = '\r';
                break;
            case 't':
                decoded = '\t';
                break;
            case 'v':
                decoded = '\v';
                break;
            default:
                break;
        }
        if (decoded != 0) {
            out += decoded;
            ++i;
        } else {
            out += raw[i];
        }
    }
    return out;
}

// python-dotenv: an unquoted value ends at the first whitespace-preceded `#`, then is
// right-trimmed.
std::string unquotedValue(std::string_view line) {
    for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '#' && isSpace(line[i - 1])) {
            line = line.substr(0, i);
            break;
        }
    }
    while (!line.empty() && isSpace(line.back())) line.remove_suffix(1);
    return std::string(line);
}

// One statement; nullopt with `error` false for a bare `KEY` (python-dotenv yields no value).
std::optional<RawEntry> parseStatement(Reader& r, bool& error) {
    error = false;
    RawEntry entry;
    entry.line = r.line();
    if (r.rest().starts_with("export") && r.rest().size() > 6 && isBlank(r.rest()[6])) {
        r.advance(6);
        r.skipBlanks();
    }
    if (r.peek() == '\'') {
        auto key = readQuoted(r, '\'');
        if (!key) {
            error = true;
            return std::nullopt;
        }
        entry.key = decodeSingleQuoted(*key);
    } else {
        while (!r.atEnd() && !isSpace(r.peek()) && r.peek() != '=' && r.peek() != '#') {
            entry.key += r.peek();
            r.advance();
        }
    }
    if (entry.key.empty()) {
        error = true;
        return std::nullopt;
    }
    r.skipBlanks();
    if (r.atEndOfLine() || r.peek() == '#') {  // `KEY` or `KEY # comment`: no value
        r.skipLine();
        return std::nullopt;
    }
    if (r.peek() != '=') {
        error = true;
        return std::nullopt;
    }
    r.advance();
    r.skipBlanks();
    char first = r.peek();
    if (first == '\'' || first == '"') {
        auto raw = readQuoted(r, first);
        if (!raw) {
            error = true;
            return std::nullopt;
        }
        entry.value = first == '\'' ? decodeSingleQuoted(*raw) : decodeDoubleQuoted(*raw);
        entry.interpolate = first == '"';
        r.skipBlanks();
        if (r.peek() == '#') {
            r.skipLine();
            return entry;
        }
        if (!r.atEndOfLine()) {
            error = true;
            return std::nullopt;
        }
        r.skipLine();
        return entry;
    }
    entry.value = unquotedValue(r.takeLine());
    entry.interpolate = true;
    return entry;
}

// `${NAME}` and `${NAME:-default}`; anything else stays literal.
std::string interpolate(std::string_view value, const std::map<std::string, std::string>& file,
                        const std::map<std::string, std::string>& environment) {
    std::string out;
    std::size_t i = 0;
    while (i < value.size()) {
        if (value[i] != '$' || i + 1 >= value.size() || value[i + 1] != '{') {
            out += value[i++];
            continue;
        }
        std::size_t j = i + 2;
        while (j < value.size() && value[j] != '}' && value[j] != ':') ++j;
        std::string_view name = value.substr(i + 2, j - i - 2);
        std::optional<std::string_view> fallback;
        if (j < value.size() && value[j] == ':') {
            if (j + 1 >= value.size() || value[j + 1] != '-') {
                out += value[i++];
                continue;
            }
            std::size_t k = j + 2;
            while (k < value.size() && value[k] != '}') ++k;
            fallback = value.substr(j + 2, k - j - 2);
            j = k;
        }
        if (j >= value.size()) {  // no closing brace: literal
            out += value[i++];
            continue;
        }
        std::string key(name);
        if (auto it = file.find(key); it != file.end()) {
            out += it->second;
        } else if (auto env = environment.find(key); env != environment.end()) {
            out += env->second;
        } else if (fallback) {
            out += *fallback;
        }
        i = j + 1;
    }
    return out;
}

}  // namespace

DotenvResult parseDotenv(std::string_view text,
                         const std::map<std::string, std::string>& environment) {
    DotenvResult result;
    std::vector<RawEntry> raw;
    Reader r(text);
    while (true) {
        r.skipWhitespace();
        if (r.atEnd()) break;
        if (r.peek() == '#') {
            r.skipLine();
            continue;
        }
        int line = r.line();
        bool error = false;
        auto entry = parseStatement(r, error);
        if (error) {
            result.warnings.push_back("line " + std::to_string(line) + ": cannot parse, ignored");
            r.skipLine();
            continue;
        }
        if (entry) raw.push_back(std::move(*entry));
    }

    std::map<std::string, std::string> resolved;
    for (auto& e : raw) {
        std::string value = e.interpolate ? interpolate(e.value, resolved, environment) : e.value;
        resolved[e.key] = value;
        result.entries.push_back({std::move(e.key), std::move(value), e.line});
    }
    return result;
}

}  // namespace ccapi::config
