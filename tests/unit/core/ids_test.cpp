#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

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
