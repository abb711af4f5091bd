#include "ari/url.hpp"

#include <openssl/evp.h>

#include <boost/system/errc.hpp>
#include <boost/url/parse.hpp>
#include <vector>

namespace ccapi::ari {

Result<AriEndpoint> parseAriUrl(std::string_view url) {
    auto invalid = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return invalid;
    AriEndpoint out;
    auto scheme = parsed->scheme_id();
    if (scheme == boost::urls::scheme::https) {
        out.tls = true;
    } else if (scheme != boost::urls::scheme::http) {
        return invalid;
    }
    if (!parsed->has_authority() || parsed->host().empty() || parsed->has_query() ||
        parsed->has_fragment() || parsed->has_userinfo()) {
        return invalid;
    }
    // host_address() keeps IPv6 literals without their brackets, which is what a resolver and
    // X509 host-name verification want.
    out.host = std::string(parsed->host_address());
    out.port = parsed->has_port() ? std::string(parsed->port()) : (out.tls ? "443" : "80");
    out.base_path = std::string(parsed->encoded_path());
    while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
    std::string host_for_header = std::string(parsed->encoded_host());
    out.host_header = host_for_header + ":" + out.port;
    return out;
}

std::string percentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0x0f]);
        }
    }
    return out;
}

std::string eventsTarget(const AriEndpoint& endpoint, std::string_view app,
                         std::string_view username, std::string_view password) {
    // The ':' between user and password stays literal: Asterisk splits api_key at the first
    // one, so only the parts themselves need encoding.
    return endpoint.base_path + "/events?app=" + percentEncode(app) +
           "&api_key=" + percentEncode(username) + ":" + percentEncode(password);
}

std::string basicAuthorization(std::string_view username, std::string_view password) {
    std::string plain;
    plain.reserve(username.size() + password.size() + 1);
    plain.append(username).append(":").append(password);
    std::vector<unsigned char> encoded(4 * ((plain.size() + 2) / 3) + 1);
    int n = EVP_EncodeBlock(encoded.data(), reinterpret_cast<const unsigned char*>(plain.data()),
                            static_cast<int>(plain.size()));
    return "Basic " +
           std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
}

}  // namespace ccapi::ari
