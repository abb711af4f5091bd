// An HMAC-SHA256 computed with OpenSSL's EVP_MAC API, independently of webhooks/signature.cpp,
// and a parser for the X-Signature header: what a receiver would do to check a webhook.
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace ccapi::testhttp {

inline std::string evpHmacSha256Hex(std::string_view key, std::string_view data) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    static const unsigned char kNoKey = 0;
    const auto* key_bytes =
        key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t length = 0;
    bool ok = EVP_MAC_init(ctx, key_bytes, key.size(), params) == 1 &&
              EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()),
                             data.size()) == 1 &&
              EVP_MAC_final(ctx, out, &length, sizeof out) == 1;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok) return "EVP_MAC failed";
    std::string hex;
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < length; ++i) {
        hex.push_back(kHex[out[i] >> 4]);
        hex.push_back(kHex[out[i] & 0x0f]);
    }
    return hex;
}

struct ParsedSignature {
    std::int64_t t = 0;
    std::string v1;
};

// "t=<digits>,v1=<64 lower-case hex>" exactly; nullopt for anything else.
inline std::optional<ParsedSignature> parseSignature(const std::string& header) {
    static const std::regex kFormat("^t=([0-9]+),v1=([0-9a-f]{64})$");
    std::smatch match;
    if (!std::regex_match(header, match, kFormat)) return std::nullopt;
    return ParsedSignature{std::stoll(match[1].str()), match[2].str()};
}

// What a receiver does: recompute HMAC(secret, "<t>.<raw body>") and compare.
inline bool signatureVerifies(const std::string& header, std::string_view secret,
                              std::string_view body) {
    auto parsed = parseSignature(header);
    if (!parsed) return false;
    std::string text = std::to_string(parsed->t) + "." + std::string(body);
    return evpHmacSha256Hex(secret, text) == parsed->v1;
}

}  // namespace ccapi::testhttp
