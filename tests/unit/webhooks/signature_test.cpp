// X-Signature: format, and agreement with an HMAC computed independently (OpenSSL EVP_MAC).
#include "webhooks/signature.hpp"

#include <gtest/gtest.h>

#include "fakes/http/webhook_signature_check.hpp"

namespace ccapi::webhooks {
namespace {

TEST(HmacSha256Hex, MatchesRfc4231TestCaseTwo) {
    EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Hex, AgreesWithEvpMacForEmptyAndLongKeys) {
    std::string long_key(200, 'k');  // longer than the block: hashed first
    for (std::string key : {std::string(), std::string("s3cret"), long_key}) {
        EXPECT_EQ(hmacSha256Hex(key, "payload"), testhttp::evpHmacSha256Hex(key, "payload")) << key;
    }
}

TEST(SignatureHeader, IsTimestampThenHmacOfTimestampDotBody) {
    const std::string body = R"({"event_id":42,"type":"call.status"})";
    auto header = signatureHeader("whsec", 1'763'772'026, body);
    auto parsed = testhttp::parseSignature(header);
    ASSERT_TRUE(parsed) << header;
    EXPECT_EQ(parsed->t, 1'763'772'026);
    EXPECT_EQ(parsed->v1, testhttp::evpHmacSha256Hex("whsec", "1763772026." + body));
    EXPECT_TRUE(testhttp::signatureVerifies(header, "whsec", body));
}

TEST(SignatureHeader, ChangesWithSecretBodyAndTime) {
    auto base = signatureHeader("a", 100, "{}");
    EXPECT_FALSE(testhttp::signatureVerifies(base, "b", "{}"));
    EXPECT_FALSE(testhttp::signatureVerifies(base, "a", "{} "));
    EXPECT_NE(base, signatureHeader("a", 101, "{}"));
}

}  // namespace
}  // namespace ccapi::webhooks
