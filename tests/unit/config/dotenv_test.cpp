#include "config/dotenv.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ccapi::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::map<std::string, std::string> values(std::string_view text,
                                          const std::map<std::string, std::string>& env = {}) {
    std::map<std::string, std::string> out;
    for (auto& e : parseDotenv(text, env).entries) out[e.key] = e.value;
    return out;
}

TEST(Dotenv, ReadsPlainKeyValuePairs) {
    auto v = values("PORT=9000\nHOST=127.0.0.1\n");
    EXPECT_EQ(v["PORT"], "9000");
    EXPECT_EQ(v["HOST"], "127.0.0.1");
}

TEST(Dotenv, AcceptsExportPrefixAndSpacesAroundEquals) {
    auto v = values("export PORT=9000\nHOST = 127.0.0.1   \n  export\tAPP_NAME=x\n");
    EXPECT_EQ(v["PORT"], "9000");
    EXPECT_EQ(v["HOST"], "127.0.0.1");
    EXPECT_EQ(v["APP_NAME"], "x");
}

TEST(Dotenv, IgnoresCommentsAndBlankLines) {
    auto r = parseDotenv("# a comment\n\n   \n  # indented comment\nA=1\n\n");
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entries[0].key, "A");
    EXPECT_EQ(r.entries[0].line, 5);
    EXPECT_TRUE(r.warnings.empty());
}

TEST(Dotenv, InlineCommentNeedsWhitespaceBeforeTheHash) {
    auto v = values("A=b#c\nB=b #c\nC=b\t# c\nD=#notacomment\n");
    EXPECT_EQ(v["A"], "b#c");
    EXPECT_EQ(v["B"], "b");
    EXPECT_EQ(v["C"], "b");
    EXPECT_EQ(v["D"], "#notacomment");
}

TEST(Dotenv, SingleQuotesAreLiteral) {
    auto v = values(R"(A='x #y \n ${HOME}'
B='it\'s')",
                    {{"HOME", "/root"}});
    EXPECT_EQ(v["A"], R"(x #y \n ${HOME})");
    EXPECT_EQ(v["B"], "it's");
}

TEST(Dotenv, DoubleQuotesDecodeEscapesAndKeepHashes) {
    auto v = values(R"(A="line1\nline2\t\"q\" \\ # not a comment" # a comment)");
    EXPECT_EQ(v["A"], "line1\nline2\t\"q\" \\ # not a comment");
}

TEST(Dotenv, DoubleQuotedValueMaySpanLines) {
    auto r = parseDotenv("A=\"first\nsecond\"\nB=2\n");
    ASSERT_EQ(r.entries.size(), 2u);
    EXPECT_EQ(r.entries[0].value, "first\nsecond");
    EXPECT_EQ(r.entries[1].key, "B");
    EXPECT_EQ(r.entries[1].line, 3);
}

TEST(Dotenv, EmptyValuesAreEmptyStrings) {
    auto v = values("A=\nB=''\nC=\"\"\n");
    EXPECT_EQ(v.at("A"), "");
    EXPECT_EQ(v.at("B"), "");
    EXPECT_EQ(v.at("C"), "");
}

TEST(Dotenv, BareKeyWithoutEqualsHasNoValue) {
    auto r = parseDotenv("LONELY\nA=1\n");
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entries[0].key, "A");
    EXPECT_TRUE(r.warnings.empty());
}

TEST(Dotenv, HandlesCrlfAndByteOrderMark) {
    auto v = values(
        "\xEF\xBB\xBF"
        "A=1\r\nB=\"two\"\r\nC=three # c\r\n");
    EXPECT_EQ(v["A"], "1");
    EXPECT_EQ(v["B"], "two");
    EXPECT_EQ(v["C"], "three");
}

TEST(Dotenv, UnparsableLineIsSkippedWithItsLineNumberButNotItsContent) {
    auto r = parseDotenv("A=1\nB=\"unterminated hunter2\nC=3\nD E=4\nF='x' junk\nG=7\n");
    std::map<std::string, std::string> v;
    for (auto& e : r.entries) v[e.key] = e.value;
    EXPECT_EQ(v["A"], "1");
    EXPECT_EQ(v["C"], "3");
    EXPECT_EQ(v["G"], "7");
    EXPECT_FALSE(v.contains("B"));
    EXPECT_FALSE(v.contains("F"));
    ASSERT_EQ(r.warnings.size(), 3u);
    EXPECT_EQ(r.warnings[0], "line 2: cannot parse, ignored");
    EXPECT_EQ(r.warnings[1], "line 4: cannot parse, ignored");
    EXPECT_EQ(r.warnings[2], "line 5: cannot parse, ignored");
    for (const auto& w : r.warnings) EXPECT_THAT(w, Not(HasSubstr("hunter2")));
}

TEST(Dotenv, ExpandsVariablesFromEarlierEntriesThenEnvironment) {
    auto v = values(
        "USER=app\nURL=postgresql://${USER}:${DB_PASS}@${HOST:-localhost}/db\n"
        "Q=\"${USER}-x\"\nUSER_FROM_ENV=${LOGNAME}\nMISSING=[${NOPE}]\n",
        {{"DB_PASS", "pw"}, {"USER", "fromenv"}, {"LOGNAME", "me"}});
    EXPECT_EQ(v["URL"], "postgresql://app:pw@localhost/db");
    EXPECT_EQ(v["Q"], "app-x");
    EXPECT_EQ(v["USER_FROM_ENV"], "me");
    EXPECT_EQ(v["MISSING"], "[]");
}

TEST(Dotenv, MalformedExpansionStaysLiteral) {
    auto v = values("A=${OPEN\nB=$PLAIN\nC=${X:Y}\n", {{"PLAIN", "p"}, {"X", "x"}});
    EXPECT_EQ(v["A"], "${OPEN");
    EXPECT_EQ(v["B"], "$PLAIN");
    EXPECT_EQ(v["C"], "${X:Y}");
}

}  // namespace
}  // namespace ccapi::config
