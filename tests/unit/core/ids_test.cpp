#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace ccapi {

TEST(Ids, UuidsAreVersion4AndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto id = newUuid();
        ASSERT_TRUE(isUuid(id)) << id;
        EXPECT_EQ(id[14], '4');
        EXPECT_TRUE(seen.insert(id).second);
    }
}

TEST(Ids, TimeOrderedUuidsAreVersion7WithTheMillisecondFirst) {
    // 2026-11-22T12:00:00.123456Z: the first 48 bits are 1795348800123 ms, big-endian.
    const UnixMicros at = 1795348800123456;
    auto id = newTimeOrderedUuid(at);
    ASSERT_TRUE(isUuid(id)) << id;
    EXPECT_EQ(id.substr(0, 13), "01a20320-a27b");
    EXPECT_EQ(id[14], '7');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // RFC variant
}

TEST(Ids, TimeOrderedUuidsSortByTheirMillisecondAndStayUnique) {
    std::set<std::string> seen;
    std::string last_of_previous_millisecond;
    for (UnixMicros ms = 0; ms < 1000; ++ms) {
        // Within one millisecond the order is random; across milliseconds it is time order.
        std::string a = newTimeOrderedUuid(1795348800000000 + ms * 1000);
        std::string b = newTimeOrderedUuid(1795348800000000 + ms * 1000 + 999);
        EXPECT_LT(last_of_previous_millisecond, a);
        EXPECT_LT(last_of_previous_millisecond, b);
        EXPECT_TRUE(seen.insert(a).second) << a;
        EXPECT_TRUE(seen.insert(b).second) << b;
        last_of_previous_millisecond = std::max(a, b);
    }
}

TEST(Ids, IsUuidRejectsMalformedIds) {
    EXPECT_FALSE(isUuid("not-a-uuid"));
    EXPECT_FALSE(isUuid("c4ca4238a0b93382-8dcc-509a6f75849b0000"));
    EXPECT_FALSE(isUuid("c4ca4238-a0b9-3382-8dcc-509a6f75849g"));
}

TEST(Ids, RandomTokensHaveRequestedLength) {
    EXPECT_EQ(randomToken(24).size(), 24u);
    EXPECT_NE(randomToken(24), randomToken(24));
}

}  // namespace ccapi
