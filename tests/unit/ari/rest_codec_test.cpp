#include "ari/rest_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace ccapi::ari {
namespace {

namespace json = boost::json;
using Kind = RestOutcome::Kind;

TEST(OriginateBody, CarriesEveryFieldAndVariablesAsAnObject) {
    OriginateRequest request;
    request.endpoint = "Local/+15550001234@outbound-ivr";
    request.channel_id = "0b6c3c2e-1111-4a4a-9c9c-123456789abc";
    request.caller_id = "Test <+15550001111>";
    request.timeout_s = 25;
    request.variables = {{"CAMPAIGN", "spring & summer"}, {"LANG", "fr=CA"}};
    auto body = json::parse(originateBody(request, "contactcenter")).as_object();
    EXPECT_EQ(body.at("endpoint"), "Local/+15550001234@outbound-ivr");
    EXPECT_EQ(body.at("app"), "contactcenter");
    EXPECT_EQ(body.at("channelId").as_string(), request.channel_id);
    EXPECT_EQ(body.at("callerId"), "Test <+15550001111>");
    EXPECT_EQ(body.at("timeout"), 25);
    const auto& variables = body.at("variables").as_object();
    EXPECT_EQ(variables.at("CAMPAIGN"), "spring & summer");
    EXPECT_EQ(variables.at("LANG"), "fr=CA");
}

TEST(OriginateBody, LeavesOutAnEmptyCallerIdButKeepsEmptyVariables) {
    OriginateRequest request;
    request.endpoint = "Local/answer@sim";
    request.channel_id = "c1";
    auto body = json::parse(originateBody(request, "app")).as_object();
    EXPECT_FALSE(body.contains("callerId"));
    EXPECT_TRUE(body.at("variables").as_object().empty());
}

TEST(OutcomeFromHttp, TwoHundredsAreOkWithTheBody) {
    auto outcome = outcomeFromHttp(200, "OK", R"({"id":"c1"})");
    EXPECT_EQ(outcome.kind, Kind::kOk);
    EXPECT_EQ(outcome.status, 200u);
    EXPECT_EQ(outcome.body, R"({"id":"c1"})");
    EXPECT_EQ(outcomeFromHttp(204, "No Content", "").kind, Kind::kOk);
}

TEST(OutcomeFromHttp, ClientErrorsAreRefusedWithAsterisksMessage) {
    auto outcome =
        outcomeFromHttp(400, "Bad Request", R"({"message":"Endpoint must be specified"})");
    EXPECT_EQ(outcome.kind, Kind::kRefused);
    EXPECT_EQ(outcome.status, 400u);
    EXPECT_EQ(outcome.message, "Endpoint must be specified");
}

TEST(OutcomeFromHttp, AllocationFailedIsRefusedWithTheErrorField) {
    auto outcome =
        outcomeFromHttp(500, "Internal Server Error", R"({"error":"Allocation failed"})");
    EXPECT_EQ(outcome.kind, Kind::kRefused);
    EXPECT_EQ(outcome.message, "Allocation failed");
    EXPECT_FALSE(countsAsFailure(outcome));
}

TEST(OutcomeFromHttp, NonJsonBodiesFallBackToTheBodyThenTheReason) {
    EXPECT_EQ(outcomeFromHttp(404, "Not Found", "<html>nope</html>").message, "<html>nope</html>");
    EXPECT_EQ(outcomeFromHttp(401, "Unauthorized", "").message, "Unauthorized");
    EXPECT_EQ(outcomeFromHttp(418, "", "").message, "HTTP 418");
}

TEST(CountsAsFailure, OnlyNoAnswerAndGatewayErrorsCount) {
    EXPECT_TRUE(countsAsFailure(unreachable("Connection refused")));
    EXPECT_TRUE(countsAsFailure(outcomeFromHttp(503, "Service Unavailable", "")));
    EXPECT_TRUE(countsAsFailure(outcomeFromHttp(502, "Bad Gateway", "")));
    EXPECT_FALSE(countsAsFailure(outcomeFromHttp(500, "", R"({"error":"Internal"})")));
    EXPECT_FALSE(countsAsFailure(outcomeFromHttp(404, "", R"({"message":"Channel not found"})")));
    EXPECT_FALSE(countsAsFailure(outcomeFromHttp(200, "OK", "{}")));
}

TEST(ParseChannels, ReadsIdNameAndState) {
    auto channels =
        parseChannels(R"([{"id":"c1","name":"Local/answer@sim-00000001;1","state":"Up","extra":1},)"
                      R"({"state":"Ringing","id":"c1;2","name":"Local/answer@sim-00000001;2"}])");
    ASSERT_TRUE(channels);
    ASSERT_EQ(channels->size(), 2u);
    EXPECT_EQ((*channels)[0].id, "c1");
    EXPECT_EQ((*channels)[0].state, "Up");
    EXPECT_EQ((*channels)[1].name, "Local/answer@sim-00000001;2");
    EXPECT_EQ((*channels)[1].state, "Ringing");
}

TEST(ParseChannels, RejectsWhatIsNotAChannelList) {
    EXPECT_TRUE(parseChannels("[]")->empty());
    EXPECT_FALSE(parseChannels("{}"));
    EXPECT_FALSE(parseChannels("[1]"));
    EXPECT_FALSE(parseChannels(R"([{"name":"x"}])"));
    EXPECT_FALSE(parseChannels("not json"));
}

}  // namespace
}  // namespace ccapi::ari
