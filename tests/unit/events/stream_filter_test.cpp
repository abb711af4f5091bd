#include "events/stream_filter.hpp"

#include <gtest/gtest.h>

#include "core/ids.hpp"

namespace ccapi::events {
namespace {

using storage::CallStatus;

StreamFilter parsed(std::vector<std::string> call_ids, std::vector<std::string> statuses) {
    auto result = parseStreamFilter(call_ids, statuses);
    EXPECT_TRUE(std::holds_alternative<StreamFilter>(result))
        << std::get<FilterError>(result).detail;
    return std::holds_alternative<StreamFilter>(result) ? std::get<StreamFilter>(result)
                                                        : StreamFilter{};
}

std::string errorOf(std::vector<std::string> call_ids, std::vector<std::string> statuses) {
    auto result = parseStreamFilter(call_ids, statuses);
    EXPECT_TRUE(std::holds_alternative<FilterError>(result));
    return std::holds_alternative<FilterError>(result) ? std::get<FilterError>(result).detail : "";
}

TEST(StreamFilter, ANormalUserSeesOnlyTheirOwnCalls) {
    StreamFilter filter;
    filter.user_id = 7;
    EXPECT_TRUE(filter.matches(7, newUuid(), CallStatus::kRinging));
    EXPECT_FALSE(filter.matches(8, newUuid(), CallStatus::kRinging));
}

TEST(StreamFilter, ASuperuserSeesEveryonesCalls) {
    StreamFilter filter;
    filter.user_id = 1;
    filter.all_users = true;
    EXPECT_TRUE(filter.matches(1, newUuid(), CallStatus::kPending));
    EXPECT_TRUE(filter.matches(2, newUuid(), CallStatus::kPending));
}

TEST(StreamFilter, CallIdsAreRepeatableOrCommaListsAndCaseInsensitive) {
    auto a = newUuid();
    auto b = newUuid();
    auto c = newUuid();
    std::string upper_b = b;
    for (auto& ch : upper_b) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    auto filter = parsed({a, upper_b + ", " + a}, {});
    filter.all_users = true;
    EXPECT_EQ(filter.call_ids.size(), 2u);
    EXPECT_TRUE(filter.matches(1, a, CallStatus::kPending));
    EXPECT_TRUE(filter.matches(1, b, CallStatus::kPending));
    EXPECT_FALSE(filter.matches(1, c, CallStatus::kPending));
}

TEST(StreamFilter, StatusesAreRepeatableOrCommaLists) {
    auto filter = parsed({}, {"ringing,answered", "completed", ""});
    filter.all_users = true;
    EXPECT_TRUE(filter.matches(1, newUuid(), CallStatus::kRinging));
    EXPECT_TRUE(filter.matches(1, newUuid(), CallStatus::kAnswered));
    EXPECT_TRUE(filter.matches(1, newUuid(), CallStatus::kCompleted));
    EXPECT_FALSE(filter.matches(1, newUuid(), CallStatus::kPending));
    EXPECT_FALSE(filter.matches(1, newUuid(), CallStatus::kFailed));
}

TEST(StreamFilter, NoFilterMeansEveryVisibleEvent) {
    auto filter = parsed({}, {});
    filter.user_id = 3;
    EXPECT_TRUE(filter.matches(3, newUuid(), CallStatus::kBusy));
}

TEST(StreamFilter, BothFiltersMustMatch) {
    auto a = newUuid();
    auto filter = parsed({a}, {"completed"});
    filter.user_id = 3;
    EXPECT_TRUE(filter.matches(3, a, CallStatus::kCompleted));
    EXPECT_FALSE(filter.matches(3, a, CallStatus::kRinging));
    EXPECT_FALSE(filter.matches(3, newUuid(), CallStatus::kCompleted));
    EXPECT_FALSE(filter.matches(4, a, CallStatus::kCompleted));  // visibility still applies
}

TEST(StreamFilter, RefusesACallIdThatIsNotAUuid) {
    EXPECT_NE(errorOf({"not-a-uuid"}, {}).find("call_id"), std::string::npos);
    EXPECT_NE(errorOf({newUuid() + ",42"}, {}).find("\"42\""), std::string::npos);
}

TEST(StreamFilter, RefusesAnUnknownStatus) {
    auto detail = errorOf({}, {"ringing,ringin"});
    EXPECT_NE(detail.find("ringin"), std::string::npos);
    EXPECT_NE(detail.find("no_answer"), std::string::npos);  // lists what is allowed
}

TEST(StreamFilter, RefusesTooManyCallIds) {
    std::vector<std::string> many;
    for (std::size_t i = 0; i <= kMaxCallIdFilters; ++i) many.push_back(newUuid());
    EXPECT_NE(errorOf(many, {}).find("Too many"), std::string::npos);
}

}  // namespace
}  // namespace ccapi::events
