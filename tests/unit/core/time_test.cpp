#include "core/time.hpp"

#include <gtest/gtest.h>

namespace ccapi {

TEST(Iso8601, FormatsMicrosecondsWithZ) {
    EXPECT_EQ(formatIso8601(1'763'772'026'539'123), "2025-11-22T00:40:26.539123Z");
    EXPECT_EQ(formatIso8601(0), "1970-01-01T00:00:00.000000Z");
}

TEST(Iso8601, ParsesWhatItFormats) {
    UnixMicros t = 1'763'772'026'539'123;
    EXPECT_EQ(parseIso8601(formatIso8601(t)), t);
}

TEST(Iso8601, ParsesAsteriskStyleOffsetAndDates) {
    EXPECT_EQ(parseIso8601("2026-11-22T00:40:26.539+0000"),
              parseIso8601("2026-11-22T00:40:26.539Z"));
    EXPECT_EQ(parseIso8601("2026-11-22T02:40:26+02:00"), parseIso8601("2026-11-22T00:40:26Z"));
    EXPECT_EQ(parseIso8601("2026-11-22"), parseIso8601("2026-11-22T00:00:00Z"));
}

TEST(Iso8601, RejectsGarbage) {
    EXPECT_FALSE(parseIso8601("yesterday"));
    EXPECT_FALSE(parseIso8601("2026-13-01"));
    EXPECT_FALSE(parseIso8601("2026-11-22T00:40:26.Z"));
    EXPECT_FALSE(parseIso8601("2026-11-22T00:40:26Zjunk"));
}

}  // namespace ccapi
