#include "arisim/format.hpp"

#include <gtest/gtest.h>

namespace ccapi::arisim {
namespace {

TEST(AsteriskFormats, TimestampHasMillisecondsAndAnOffsetWithoutColon) {
    // 2026-11-22T00:40:26.539Z
    EXPECT_EQ(asteriskTimestamp(1795308026539), "2026-11-22T00:40:26.539+0000");
    EXPECT_EQ(asteriskTimestamp(1795308026000), "2026-11-22T00:40:26.000+0000");
}

TEST(AsteriskFormats, HttpDateIsImfFixdate) {
    EXPECT_EQ(httpDate(1795308026539), "Sun, 22 Nov 2026 00:40:26 GMT");
}

TEST(AsteriskFormats, CauseTextsMatchAsterisk) {
    EXPECT_EQ(causeText(0), "Unknown");
    EXPECT_EQ(causeText(1), "Unallocated (unassigned) number");
    EXPECT_EQ(causeText(16), "Normal Clearing");
    EXPECT_EQ(causeText(17), "User busy");
    EXPECT_EQ(causeText(19), "User alerting, no answer");
    EXPECT_EQ(causeText(21), "Call Rejected");
    EXPECT_EQ(causeText(34), "Circuit/channel congestion");
    EXPECT_EQ(causeText(4242), "Unknown");
}

TEST(AsteriskFormats, HangupReasonsMapToQ850Causes) {
    EXPECT_EQ(hangupReasonCause("normal"), 16);
    EXPECT_EQ(hangupReasonCause("busy"), 17);
    EXPECT_EQ(hangupReasonCause("no_answer"), 19);
    EXPECT_EQ(hangupReasonCause("congestion"), 34);
    EXPECT_EQ(hangupReasonCause("answered_elsewhere"), 26);
    EXPECT_FALSE(hangupReasonCause("bogus"));
}

TEST(AsteriskFormats, ReasonCodeParsesLikeScanf) {
    EXPECT_EQ(parseLeadingInt("21"), 21);
    EXPECT_EQ(parseLeadingInt(" 21abc"), 21);
    EXPECT_EQ(parseLeadingInt("-3"), -3);
    EXPECT_FALSE(parseLeadingInt("abc"));
    EXPECT_FALSE(parseLeadingInt(""));
}

TEST(AsteriskFormats, CallerIdWithNameAndNumber) {
    EXPECT_EQ(parseCallerId("Test <+15550001111>"), (PartyId{"Test", "+15550001111"}));
    EXPECT_EQ(parseCallerId("\"Jane Doe\" <+1 (555) 000-1111>"),
              (PartyId{"Jane Doe", "+15550001111"}));
}

TEST(AsteriskFormats, BareCallerIdIsANumberOrAName) {
    EXPECT_EQ(parseCallerId("+15550001111"), (PartyId{"", "+15550001111"}));
    EXPECT_EQ(parseCallerId("555-0001"), (PartyId{"", "5550001"}));
    EXPECT_EQ(parseCallerId("Reception"), (PartyId{"Reception", ""}));
}

TEST(AsteriskFormats, QueryDecodingTreatsPlusAsSpace) {
    EXPECT_EQ(uriDecodeLegacy("Local/%2B15551230000@outbound-ivr"),
              "Local/+15551230000@outbound-ivr");
    EXPECT_EQ(uriDecodeLegacy("Test%20%3C%2B1%3E"), "Test <+1>");
    EXPECT_EQ(uriDecodeLegacy("a+b"), "a b");
    EXPECT_EQ(uriDecodeLegacy("100%"), "100%");
}

TEST(AsteriskFormats, DurationsAsDialplanArguments) {
    EXPECT_EQ(formatSeconds(Millis(1000)), "1");
    EXPECT_EQ(formatSeconds(Millis(120000)), "120");
    EXPECT_EQ(formatSeconds(Millis(1500)), "1.5");
    EXPECT_EQ(formatSeconds(Millis(250)), "0.25");
}

}  // namespace
}  // namespace ccapi::arisim
