#include "arisim/event_factory.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace ccapi::arisim {
namespace {

Channel oneHalf() {
    Channel c;
    c.id = "69bff05b-9899-4c85-9965-19162cf9a3b0";
    c.name = "Local/answer@sim-00000000;1";
    c.state = ChannelState::kDown;
    c.caller = {"Test", "+15550001111"};
    c.connected = {"Test", "+15550001111"};
    c.dialplan = {"sim", "answer", 1, "AppDial2", "(Outgoing Line)"};
    c.creationtime = 1795308026539;
    return c;
}

const EventStamp kStamp{"2026-11-22T00:40:26.539+0000", "02:fc:00:00:00:01"};

TEST(ChannelSnapshot, HasAsterisksKeysInOrder) {
    EXPECT_EQ(
        boost::json::serialize(oneHalf().toJson()),
        R"j({"id":"69bff05b-9899-4c85-9965-19162cf9a3b0","name":"Local/answer@sim-00000000;1",)j"
        R"j("state":"Down","protocol_id":"","caller":{"name":"Test","number":"+15550001111"},)j"
        R"j("connected":{"name":"Test","number":"+15550001111"},"accountcode":"",)j"
        R"j("dialplan":{"context":"sim","exten":"answer","priority":1,"app_name":"AppDial2",)j"
        R"j("app_data":"(Outgoing Line)"},"creationtime":"2026-11-22T00:40:26.539+0000",)j"
        R"j("language":"en"})j");
}

TEST(ChannelSnapshot, TheRecordedPostResponseIs404Bytes) {
    // originate-answer.jsonl: Content-Length 404 for this very channel.
    EXPECT_EQ(boost::json::serialize(oneHalf().toJson()).size(), 404u);
}

TEST(EventRendering, ApplicationComesLast) {
    auto text = renderFor(events::dial(kStamp, oneHalf(), "", "answer@sim"), "contactcenter");
    EXPECT_EQ(
        text.rfind(
            R"j({"type":"Dial","timestamp":"2026-11-22T00:40:26.539+0000","dialstatus":"","forward":"","dialstring":"answer@sim","peer":{)j",
            0),
        0u);
    EXPECT_NE(text.find(R"j("asterisk_id":"02:fc:00:00:00:01","application":"contactcenter"})j"),
              std::string::npos);
}

TEST(EventRendering, HangupRequestStartsWithCauseAndSoftOnlyWhenSoft) {
    auto hard = renderFor(events::hangupRequest(kStamp, oneHalf(), 16, false), "a");
    auto soft = renderFor(events::hangupRequest(kStamp, oneHalf(), 32, true), "a");
    EXPECT_EQ(hard.rfind(R"j({"cause":16,"type":"ChannelHangupRequest")j", 0), 0u);
    EXPECT_EQ(soft.rfind(R"j({"cause":32,"soft":true,"type":"ChannelHangupRequest")j", 0), 0u);
}

TEST(EventRendering, VarsetStartsWithTheVariable) {
    auto text = renderFor(events::varset(kStamp, oneHalf(), "STASISSTATUS", ""), "a");
    EXPECT_EQ(text.rfind(R"j({"variable":"STASISSTATUS","value":"","type":"ChannelVarset")j", 0),
              0u);
}

TEST(EventRendering, DestroyedCarriesCauseText) {
    auto text = renderFor(events::destroyed(kStamp, oneHalf(), 19), "a");
    EXPECT_NE(text.find(R"j("cause":19,"cause_txt":"User alerting, no answer","channel")j"),
              std::string::npos);
}

TEST(EventRendering, ApplicationReplacedAndDeviceStateKeepTheirOwnOrder) {
    EXPECT_EQ(renderFor(events::applicationReplaced(kStamp, "contactcenter"), "contactcenter"),
              R"j({"type":"ApplicationReplaced","timestamp":"2026-11-22T00:40:26.539+0000",)j"
              R"j("application":"contactcenter","asterisk_id":"02:fc:00:00:00:01"})j");
    EXPECT_EQ(
        renderFor(events::deviceStateChanged(kStamp, "Local/answer@sim", "INUSE"), "observer"),
        R"j({"type":"DeviceStateChanged","application":"observer",)j"
        R"j("timestamp":"2026-11-22T00:40:26.539+0000",)j"
        R"j("device_state":{"name":"Local/answer@sim","state":"INUSE"},)j"
        R"j("asterisk_id":"02:fc:00:00:00:01"})j");
}

TEST(EventRendering, StasisEventsGoOnlyToTheirApp) {
    auto start = events::stasisStart(kStamp, oneHalf(), {}, "contactcenter");
    EXPECT_EQ(start.audience, Audience::kStasisApp);
    EXPECT_EQ(start.app, "contactcenter");
    EXPECT_NE(renderFor(start, "contactcenter").find(R"j("args":[],"channel")j"),
              std::string::npos);
}

}  // namespace
}  // namespace ccapi::arisim
