#include "ari/url.hpp"

#include <gtest/gtest.h>

namespace ccapi::ari {
namespace {

TEST(ParseAriUrl, TakesAPlainUrlApart) {
    auto endpoint = parseAriUrl("http://127.0.0.1:8088/ari");
    ASSERT_TRUE(endpoint);
    EXPECT_FALSE(endpoint->tls);
    EXPECT_EQ(endpoint->host, "127.0.0.1");
    EXPECT_EQ(endpoint->port, "8088");
    EXPECT_EQ(endpoint->base_path, "/ari");
    EXPECT_EQ(endpoint->host_header, "127.0.0.1:8088");
}

TEST(ParseAriUrl, HttpsDefaultsToPort443AndDropsTrailingSlashes) {
    auto endpoint = parseAriUrl("https://pbx.example.com/ari/");
    ASSERT_TRUE(endpoint);
    EXPECT_TRUE(endpoint->tls);
    EXPECT_EQ(endpoint->port, "443");
    EXPECT_EQ(endpoint->base_path, "/ari");
}

TEST(ParseAriUrl, KeepsIpv6LiteralsUsable) {
    auto endpoint = parseAriUrl("http://[::1]:8088/ari");
    ASSERT_TRUE(endpoint);
    EXPECT_EQ(endpoint->host, "::1");
    EXPECT_EQ(endpoint->host_header, "[::1]:8088");
}

TEST(ParseAriUrl, RefusesWhatIsNotAnHttpBase) {
    EXPECT_FALSE(parseAriUrl("ws://127.0.0.1:8088/ari"));
    EXPECT_FALSE(parseAriUrl("127.0.0.1:8088"));
    EXPECT_FALSE(parseAriUrl("http://127.0.0.1:8088/ari?x=1"));
    EXPECT_FALSE(parseAriUrl("http://user:pw@127.0.0.1:8088/ari"));
    EXPECT_FALSE(parseAriUrl(""));
}

TEST(EventsTarget, EncodesAppUserAndPasswordButKeepsTheColon) {
    auto endpoint = parseAriUrl("http://127.0.0.1:8088/ari");
    ASSERT_TRUE(endpoint);
    EXPECT_EQ(eventsTarget(*endpoint, "contactcenter", "ariuser", "aripass"),
              "/ari/events?app=contactcenter&api_key=ariuser:aripass");
    EXPECT_EQ(eventsTarget(*endpoint, "cc 1", "u&x", "p:w=%"),
              "/ari/events?app=cc%201&api_key=u%26x:p%3Aw%3D%25");
}

TEST(BasicAuthorization, IsBase64OfUserColonPassword) {
    EXPECT_EQ(basicAuthorization("ariuser", "aripass"), "Basic YXJpdXNlcjphcmlwYXNz");
}

}  // namespace
}  // namespace ccapi::ari
