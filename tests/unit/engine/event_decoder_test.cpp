// decodeEvent on frames exactly as Asterisk 22 sent them (shared/ari/traces) and on junk.
#include <gtest/gtest.h>

#include "ari/events.hpp"

namespace ccapi::ari {
namespace {

TEST(DecodeEvent, DialUsesThePeerAndItsDialStatus) {
    const auto event = decodeEvent(
        R"({"type":"Dial","timestamp":"2026-11-22T00:51:44.066+0000","dialstatus":"BUSY",)"
        R"("forward":"","dialstring":"busy@sim","peer":{"id":"79c485cc-16bf-4b05-a5a6-)"
        R"(196bc728c9e5","name":"Local/busy@sim-00000001;1","state":"Ringing"},)"
        R"("asterisk_id":"02:fc:00:00:00:01","application":"contactcenter"})");
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->kind, EventKind::kDial);
    EXPECT_EQ(event->type, "Dial");
    EXPECT_EQ(event->channel_id, "79c485cc-16bf-4b05-a5a6-196bc728c9e5");
    EXPECT_EQ(event->call_id, "79c485cc-16bf-4b05-a5a6-196bc728c9e5");
    EXPECT_FALSE(event->peer_half);
    EXPECT_EQ(event->dialstatus, "BUSY");
    EXPECT_EQ(event->channel_state, "Ringing");
    EXPECT_EQ(event->timestamp, parseIso8601("2026-11-22T00:51:44.066Z"));
}

TEST(DecodeEvent, ThePeerHalfKeepsItsIdAndNamesTheCall) {
    const auto event = decodeEvent(
        R"({"type":"ChannelDestroyed","timestamp":"2026-11-22T00:51:45.070+0000","cause":17,)"
        R"("cause_txt":"User busy","channel":{"id":"79c485cc-16bf-4b05-a5a6-196bc728c9e5;2",)"
        R"("name":"Local/busy@sim-00000001;2","state":"Busy"}})");
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->kind, EventKind::kChannelDestroyed);
    EXPECT_EQ(event->channel_id, "79c485cc-16bf-4b05-a5a6-196bc728c9e5;2");
    EXPECT_EQ(event->call_id, "79c485cc-16bf-4b05-a5a6-196bc728c9e5");
    EXPECT_TRUE(event->peer_half);
    EXPECT_EQ(event->cause, 17);
    EXPECT_EQ(event->cause_txt, "User busy");
    EXPECT_EQ(event->channel_state, "Busy");
}

TEST(DecodeEvent, SoftHangupRequestsAreFlagged) {
    const auto soft =
        decodeEvent(R"({"cause":32,"soft":true,"type":"ChannelHangupRequest","timestamp":)"
                    R"("2026-11-22T00:52:41.817+0000","channel":{"id":"abc","state":"Up"}})");
    ASSERT_TRUE(soft.has_value());
    EXPECT_EQ(soft->kind, EventKind::kChannelHangupRequest);
    EXPECT_TRUE(soft->soft);
    EXPECT_EQ(soft->cause, 32);

    const auto hard = decodeEvent(
        R"({"cause":16,"type":"ChannelHangupRequest","channel":{"id":"abc","state":"Up"}})");
    ASSERT_TRUE(hard.has_value());
    EXPECT_FALSE(hard->soft);
    EXPECT_EQ(hard->cause, 16);
}

TEST(DecodeEvent, KindsByType) {
    const std::vector<std::pair<std::string, EventKind>> kinds{
        {"ChannelStateChange", EventKind::kChannelStateChange},
        {"StasisStart", EventKind::kStasisStart},
        {"StasisEnd", EventKind::kStasisEnd},
        {"ChannelVarset", EventKind::kChannelVarset},
        {"ApplicationReplaced", EventKind::kApplicationReplaced},
        {"ChannelDialplan", EventKind::kOther},
        {"ChannelCallerId", EventKind::kOther},
        {"DeviceStateChanged", EventKind::kOther},
    };
    for (const auto& [type, kind] : kinds) {
        const auto event = decodeEvent(R"({"type":")" + type + R"("})");
        ASSERT_TRUE(event.has_value()) << type;
        EXPECT_EQ(event->kind, kind) << type;
        EXPECT_EQ(event->type, type);
    }
}

TEST(DecodeEvent, VarsetCarriesVariableAndValueWhateverTheKeyOrder) {
    const auto event =
        decodeEvent(R"({"variable":"STASISSTATUS","value":"SUCCESS","type":"ChannelVarset",)"
                    R"("channel":{"id":"abc"}})");
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->variable, "STASISSTATUS");
    EXPECT_EQ(event->value, "SUCCESS");
}

TEST(DecodeEvent, ApplicationReplacedHasNoChannel) {
    const auto event =
        decodeEvent(R"({"type":"ApplicationReplaced","timestamp":"2026-11-22T00:52:47.263+0000",)"
                    R"("application":"contactcenter","asterisk_id":"02:fc:00:00:00:01"})");
    ASSERT_TRUE(event.has_value());
    EXPECT_TRUE(event->channel_id.empty());
    EXPECT_TRUE(event->call_id.empty());
    EXPECT_FALSE(event->cause.has_value());
}

TEST(DecodeEvent, MissingOrOddFieldsAreLeftEmpty) {
    const auto event =
        decodeEvent(R"({"type":"ChannelDestroyed","cause":"sixteen","timestamp":"yesterday",)"
                    R"("soft":"yes","channel":"not an object"})");
    ASSERT_TRUE(event.has_value());
    EXPECT_FALSE(event->cause.has_value());
    EXPECT_FALSE(event->timestamp.has_value());
    EXPECT_FALSE(event->soft);
    EXPECT_TRUE(event->channel_id.empty());
}

TEST(DecodeEvent, AnIdThatIsOnlyTheSuffixIsNotAPeer) {
    const auto event = decodeEvent(R"({"type":"StasisStart","channel":{"id":";2"}})");
    ASSERT_TRUE(event.has_value());
    EXPECT_FALSE(event->peer_half);
    EXPECT_EQ(event->call_id, ";2");
}

TEST(DecodeEvent, RejectsFramesThatAreNotEvents) {
    EXPECT_FALSE(decodeEvent("").has_value());
    EXPECT_FALSE(decodeEvent("not json").has_value());
    EXPECT_FALSE(decodeEvent("[1,2]").has_value());
    EXPECT_FALSE(decodeEvent(R"({"no":"type"})").has_value());
    EXPECT_FALSE(decodeEvent(R"({"type":42})").has_value());
    EXPECT_FALSE(decodeEvent(R"({"type":"Dial")").has_value());
}

}  // namespace
}  // namespace ccapi::ari
