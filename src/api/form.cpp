#include "api/form.hpp"

#include <cstdint>

#include "routing/percent_decode.hpp"

namespace ccapi::api {

bool isValidUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto lead = static_cast<unsigned char>(s[i]);
        std::size_t continuation;
        std::uint32_t cp;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead >> 5) == 0x6) {
            continuation = 1;
            cp = lead & 0x1f;
        } else if ((lead >> 4) == 0xe) {
            continuation = 2;
            cp = lead & 0x0f;
        } else if ((lead >> 3) == 0x1e) {
            continuation = 3;
            cp = lead & 0x07;
        } else {
            return false;
        }
        if (s.size() - i <= continuation) return false;
        for (std::size_t k = 1; k <= continuation; ++k) {
            auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMinimum[continuation] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += continuation + 1;
    }
    return true;
}

std::optional<std::map<std::string, std::string, std::less<>>> parseForm(std::string_view body) {
    std::map<std::string, std::string, std::less<>> out;
    std::string_view rest = body;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        auto key = routing::percentDecode(pair.substr(0, eq));
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : routing::percentDecode(pair.substr(eq + 1));
        if (!key || !value || !isValidUtf8(*key) || !isValidUtf8(*value)) return std::nullopt;
        out.emplace(std::move(*key), std::move(*value));  // first occurrence wins
    }
    return out;
}

}  // namespace ccapi::api
