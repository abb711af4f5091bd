// The engine's table of live calls: a map keyed by each record's own call_id.
#include "engine/call_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ccapi::engine {
namespace {

CallState callWithId(std::string id) {
    CallState state;
    state.call.call_id = std::move(id);
    return state;
}

TEST(CallTable, FindsEachCallByItsOwnId) {
    CallTable table;
    table.insert(callWithId("0b7e3c52-5a3e-4b59-9d0e-8d1f2c3a4b5c"));
    table.insert(callWithId("c1"));
    EXPECT_EQ(table.size(), 2u);
    ASSERT_NE(table.find("c1"), nullptr);
    EXPECT_EQ(table.find("c1")->call.call_id, "c1");
    EXPECT_TRUE(table.contains(std::string("0b7e3c52-5a3e-4b59-9d0e-8d1f2c3a4b5c")));
    EXPECT_EQ(table.find("c2"), nullptr);
    EXPECT_THROW(table.at("c2"), std::out_of_range);
}

TEST(CallTable, ChangesMadeThroughFindStay) {
    CallTable table;
    table.insert(callWithId("c1"));
    table.find("c1")->call.status = CallStatus::kRinging;
    table.at("c1").facts.originate_sent = true;
    EXPECT_EQ(table.find("c1")->call.status, CallStatus::kRinging);
    EXPECT_TRUE(table.find("c1")->facts.originate_sent);
}

TEST(CallTable, ASecondInsertOfTheSameIdKeepsTheFirst) {
    CallTable table;
    table.insert(callWithId("c1"));
    auto again = callWithId("c1");
    again.call.status = CallStatus::kAnswered;
    table.insert(std::move(again));
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.find("c1")->call.status, CallStatus::kPending);
}

TEST(CallTable, ExtractRemovesAndReturnsTheCall) {
    CallTable table;
    auto state = callWithId("c1");
    state.call.phone_number = "+15550000002";
    table.insert(std::move(state));
    table.insert(callWithId("c2"));
    auto out = table.extract("c1");
    EXPECT_EQ(out.call.call_id, "c1");
    EXPECT_EQ(out.call.phone_number, "+15550000002");
    EXPECT_FALSE(table.contains("c1"));
    EXPECT_EQ(table.size(), 1u);
}

TEST(CallTable, IteratesOverEveryCall) {
    CallTable table;
    for (int i = 0; i < 100; ++i) table.insert(callWithId("call-" + std::to_string(i)));
    std::set<std::string> seen;
    for (auto& state : table) seen.insert(state.call.call_id);
    EXPECT_EQ(seen.size(), 100u);
    EXPECT_TRUE(seen.count("call-42"));
}

}  // namespace
}  // namespace ccapi::engine
