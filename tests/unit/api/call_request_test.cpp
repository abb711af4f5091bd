#include "api/call_request.hpp"

#include <gtest/gtest.h>

#include "api/calls_api.hpp"
#include "api/form.hpp"

namespace ccapi::api {
namespace {

TEST(PhoneNumber, SeparatorsAreStrippedAndE164IsRequired) {
    EXPECT_EQ(normalizePhoneNumber("+1 (555) 000-1234"), "+15550001234");
    EXPECT_EQ(normalizePhoneNumber("+44.20.7946.0958"), "+442079460958");
    EXPECT_FALSE(normalizePhoneNumber("15550001234"));
    EXPECT_FALSE(normalizePhoneNumber("+123456"));
    EXPECT_FALSE(normalizePhoneNumber("+1234567890123456"));
    EXPECT_FALSE(normalizePhoneNumber("+1555abc1234"));
}

TEST(CallRequest, DefaultsFillAnEmptyBody) {
    CallDefaults defaults{"ivr", "start", 2, 15000, "Acme"};
    auto parsed = parseCallRequest("", std::string("+15550001234"), defaults);
    auto* r = std::get_if<CallRequest>(&parsed);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->context, "ivr");
    EXPECT_EQ(r->extension, "start");
    EXPECT_EQ(r->priority, 2);
    EXPECT_EQ(r->timeout_ms, 15000);
    EXPECT_EQ(r->caller_id, "Acme");
}

TEST(CallRequest, WrongTypesAre422AndBrokenRulesAre400) {
    auto types = parseCallRequest(R"({"timeout":"soon"})", std::string("+15550001234"), {});
    ASSERT_TRUE(std::holds_alternative<RequestProblem>(types));
    EXPECT_EQ(std::get<RequestProblem>(types).status, 422u);
    auto rule = parseCallRequest(R"({"priority":0})", std::string("+15550001234"), {});
    ASSERT_TRUE(std::holds_alternative<RequestProblem>(rule));
    EXPECT_EQ(std::get<RequestProblem>(rule).status, 400u);
    auto json = parseCallRequest("{", std::string("+15550001234"), {});
    EXPECT_EQ(std::get<RequestProblem>(json).status, 422u);
    auto missing = parseCallRequest("{}", std::nullopt, {});
    EXPECT_EQ(std::get<RequestProblem>(missing).status, 422u);
}

TEST(CallRequest, SameRequestHashesTheSame) {
    auto a = std::get<CallRequest>(
        parseCallRequest(R"({"variables":{"B":"2","A":"1"}})", std::string("+15550001234"), {}));
    auto b = std::get<CallRequest>(
        parseCallRequest(R"({"variables":{"A":"1","B":"2"}})", std::string("+1 555 000 1234"), {}));
    EXPECT_EQ(requestHash(a), requestHash(b));
    b.timeout_ms += 1;
    EXPECT_NE(requestHash(a), requestHash(b));
}

TEST(Cursor, RoundTrips) {
    for (std::int64_t t : {0LL, 1LL, 1795318094123456LL}) {
        storage::CallCursor c{t, "0b7b1c5e-1111-4222-8333-444455556666"};
        auto decoded = decodeCursor(encodeCursor(c));
        ASSERT_TRUE(decoded) << encodeCursor(c);
        EXPECT_EQ(decoded->created_at, t);
        EXPECT_EQ(decoded->call_id, c.call_id);
    }
    auto issued = decodeCursor(
        "313739353331393237373532333331383a66643838626335312d656136302d346533612d393365302d3166"
        "30623561396538663030");
    ASSERT_TRUE(issued);
    EXPECT_EQ(issued->call_id, "fd88bc51-ea60-4e3a-93e0-1f0b5a9e8f00");
    EXPECT_FALSE(decodeCursor("%%%"));
    EXPECT_FALSE(decodeCursor("6e6f742d612d637572736f72"));  // "not-a-cursor"
    EXPECT_FALSE(decodeCursor("zz"));
}

TEST(Form, DecodesPercentAndPlus) {
    auto form = parseForm("username=alice&password=correct+horse%20battery&x=%E2%82%AC");
    ASSERT_TRUE(form);
    EXPECT_EQ(form->at("password"), "correct horse battery");
    EXPECT_EQ(form->at("x"), "\xE2\x82\xAC");
    EXPECT_FALSE(parseForm("username=%C3%28"));
    EXPECT_FALSE(isValidUtf8("\xC0\xAF"));  // overlong
    EXPECT_TRUE(isValidUtf8("plain ascii"));
}

TEST(PointsAtService, LoopbackOrUnspecifiedHostOnOurPortIsUs) {
    EXPECT_TRUE(pointsAtService("http://127.0.0.1:8000/hook", 8000));
    EXPECT_TRUE(pointsAtService("http://127.9.9.9:8000/hook", 8000));
    EXPECT_TRUE(pointsAtService("http://localhost:8000/", 8000));
    EXPECT_TRUE(pointsAtService("http://LOCALHOST:8000/", 8000));
    EXPECT_TRUE(pointsAtService("http://0.0.0.0:8000/", 8000));
    EXPECT_TRUE(pointsAtService("http://[::1]:8000/", 8000));
    EXPECT_TRUE(pointsAtService("http://[::ffff:127.0.0.1]:8000/", 8000));
    EXPECT_TRUE(pointsAtService("http://127.0.0.1/", 80));
    EXPECT_TRUE(pointsAtService("https://localhost/", 443));
}

TEST(PointsAtService, OtherPortsAndHostsAreNot) {
    EXPECT_FALSE(pointsAtService("http://127.0.0.1:9000/hook", 8000));
    EXPECT_FALSE(pointsAtService("http://127.0.0.1/hook", 8000));
    EXPECT_FALSE(pointsAtService("https://example.com:8000/hook", 8000));
    EXPECT_FALSE(pointsAtService("http://10.1.2.3:8000/hook", 8000));
    EXPECT_FALSE(pointsAtService("not a url", 8000));
    EXPECT_FALSE(pointsAtService("http://127.0.0.1:8000/", 0));
}

}  // namespace
}  // namespace ccapi::api
