#include "auth/passwords.hpp"

#include <gtest/gtest.h>

#include "auth/errors.hpp"

namespace ccapi::auth {
namespace {

constexpr int kFastCost = 4;

TEST(PasswordHasher, VerifiesTheOpenwallTestVector) {
    PasswordHasher hasher(kFastCost);
    EXPECT_TRUE(
        hasher.verify("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
    EXPECT_FALSE(
        hasher.verify("U*V", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

TEST(PasswordHasher, VerifiesAPasslibCost12Hash) {
    PasswordHasher hasher(kFastCost);
    const char* hash = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
    EXPECT_TRUE(hasher.verify("secret", hash));
    EXPECT_FALSE(hasher.verify("Secret", hash));
}

TEST(PasswordHasher, HashThenVerifyRoundTrips) {
    PasswordHasher hasher(kFastCost);
    auto hash = hasher.hash("correct horse battery staple");
    ASSERT_TRUE(hash) << hash.error().message();
    EXPECT_EQ(hash->size(), 60u);
    EXPECT_EQ(hash->substr(0, 7), "$2b$04$");
    EXPECT_TRUE(hasher.verify("correct horse battery staple", *hash));
    EXPECT_FALSE(hasher.verify("correct horse battery stapler", *hash));
    EXPECT_FALSE(hasher.verify("", *hash));
}

TEST(PasswordHasher, EveryHashHasItsOwnSalt) {
    PasswordHasher hasher(kFastCost);
    auto a = hasher.hash("same password");
    auto b = hasher.hash("same password");
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
    EXPECT_TRUE(hasher.verify("same password", *b));
}

TEST(PasswordHasher, DefaultCostIsTwelve) {
    EXPECT_EQ(PasswordHasher().cost(), 12);
    EXPECT_EQ(PasswordHasher(1).cost(), PasswordHasher::kMinCost);
}

TEST(PasswordHasher, WrongPasswordIsRejected) {
    PasswordHasher hasher(kFastCost);
    auto hash = hasher.hash("hunter2");
    ASSERT_TRUE(hash);
    EXPECT_FALSE(hasher.verify("hunter3", *hash));
    EXPECT_FALSE(hasher.verify("HUNTER2", *hash));
}

TEST(PasswordHasher, HashesThatAreNotBcryptNeverVerify) {
    PasswordHasher hasher(kFastCost);
    EXPECT_FALSE(hasher.verify("password", ""));
    EXPECT_FALSE(hasher.verify("password", "password"));
    EXPECT_FALSE(hasher.verify("password", "abJnggxhB/yWI"));  // DES crypt("password", "ab")
    EXPECT_FALSE(hasher.verify("password", "$1$abcdefgh$G//4keteveJyCXt5ie8ds1"));
    EXPECT_FALSE(hasher.verify("password", "$2b$04$tooshort"));
    EXPECT_FALSE(
        hasher.verify("password", "$2b$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

TEST(PasswordHasher, PasswordWithANulByteIsRefused) {
    PasswordHasher hasher(kFastCost);
    auto hash = hasher.hash(std::string_view("abc\0def", 7));
    ASSERT_FALSE(hash);
    EXPECT_EQ(hash.error(), AuthErrc::kHashFailed);
    auto good = hasher.hash("abc");
    ASSERT_TRUE(good);
    EXPECT_FALSE(hasher.verify(std::string_view("abc\0def", 7), *good));
}

TEST(PasswordHasher, OnlyTheFirst72BytesCountAsInEveryBcrypt) {
    PasswordHasher hasher(kFastCost);
    std::string long_password(72, 'x');
    auto hash = hasher.hash(long_password + "tail");
    ASSERT_TRUE(hash);
    EXPECT_TRUE(hasher.verify(long_password + "other tail", *hash));
}

TEST(PasswordHasher, DummyVerifyRunsForAnyInput) {
    PasswordHasher hasher(kFastCost);
    hasher.dummyVerify("whatever");
    hasher.dummyVerify("");
    hasher.dummyVerify(std::string(1000, 'a'));
    SUCCEED();
}

TEST(PasswordHasher, OldOrWeakerHashesNeedARehash) {
    PasswordHasher hasher(12);
    EXPECT_TRUE(hasher.needsRehash("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
    EXPECT_TRUE(hasher.needsRehash("$2b$10$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW"));
    EXPECT_FALSE(
        hasher.needsRehash("$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW"));
    EXPECT_TRUE(hasher.needsRehash("not a hash"));
}

}  // namespace
}  // namespace ccapi::auth
