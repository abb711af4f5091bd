#include "metrics/text_format.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace ccapi::metrics {
namespace {

std::string escapedLabel(std::string_view value) {
    std::string out;
    appendEscapedLabelValue(out, value);
    return out;
}

std::string escapedHelp(std::string_view value) {
    std::string out;
    appendEscapedHelp(out, value);
    return out;
}

TEST(TextFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
    EXPECT_EQ(escapedLabel("plain /api/v2"), "plain /api/v2");
    EXPECT_EQ(escapedLabel("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(escapedLabel("tab\tstays"), "tab\tstays");
}

TEST(TextFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
    EXPECT_EQ(escapedHelp("say \"hi\"\\n\n"), "say \"hi\"\\\\n\\n");
}

TEST(TextFormat, ValuesUseTheShortestRoundTripSpelling) {
    EXPECT_EQ(formatValue(0.0), "0");
    EXPECT_EQ(formatValue(3.0), "3");
    EXPECT_EQ(formatValue(-2.5), "-2.5");
    EXPECT_EQ(formatValue(0.0005), "0.0005");
    EXPECT_EQ(formatValue(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(formatValue(0.00001), "1e-05");
    EXPECT_EQ(formatValue(1234567.0), "1234567");
    EXPECT_EQ(formatValue(1e15), "1000000000000000");
    EXPECT_EQ(formatValue(-0.0), "0");
    EXPECT_EQ(formatValue(1e300), "1e+300");
    EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(formatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(TextFormat, MetricNamesFollowThePrometheusGrammar) {
    EXPECT_TRUE(isValidMetricName("http_requests_total"));
    EXPECT_TRUE(isValidMetricName("ns:rule_name"));
    EXPECT_TRUE(isValidMetricName("_x9"));
    EXPECT_FALSE(isValidMetricName(""));
    EXPECT_FALSE(isValidMetricName("9lives"));
    EXPECT_FALSE(isValidMetricName("has-dash"));
    EXPECT_FALSE(isValidMetricName("has space"));
}

TEST(TextFormat, LabelNamesRejectColonsDigitsFirstAndTheReservedPrefix) {
    EXPECT_TRUE(isValidLabelName("route"));
    EXPECT_TRUE(isValidLabelName("_private"));
    EXPECT_FALSE(isValidLabelName("__name__"));
    EXPECT_FALSE(isValidLabelName("a:b"));
    EXPECT_FALSE(isValidLabelName("1st"));
    EXPECT_FALSE(isValidLabelName(""));
}

TEST(TextFormat, ContentTypeIsVersion004) {
    EXPECT_EQ(kTextContentType, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace ccapi::metrics
