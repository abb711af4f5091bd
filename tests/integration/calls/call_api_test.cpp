// The calls API contract: validation, idempotency, ownership, listing and pagination.
#include <boost/json.hpp>

#include "integration/calls/calls_fixture.hpp"

namespace ccapi::itest {
namespace {

using CallApi = CallsTest;
using testhttp::HeaderList;

std::string str(const boost::json::object& o, const char* key) {
    return std::string(o.at(key).as_string());
}

TEST_P(CallApi, CallsNeedAValidToken) {
    startAll();
    auto c = client();
    auto r = c.request("POST", "/api/v2/interaction/+15550001000");
    EXPECT_EQ(r->status, 401u);
    EXPECT_EQ(c.get("/api/v2/calls", {{"Authorization", "Bearer nope"}}).value().status, 401u);
}

TEST_P(CallApi, InvalidRequestsAreRefusedWithAClearReason) {
    startAll();
    struct Case {
        std::string target;
        boost::json::value body;
        unsigned status;
        std::string mentions;
    };
    std::vector<Case> cases = {
        {"/api/v2/interaction/12345", nullptr, 400, "phone number"},
        {"/api/v2/interaction/+1555abc0000", nullptr, 400, "phone number"},
        {"/api/v2/interaction/+1234567890123456", nullptr, 400, "phone number"},
        {"/api/v2/interaction/+15550001000", {{"context", "bad context!"}}, 400, "context"},
        {"/api/v2/interaction/+15550001000",
         {{"extension", std::string(40, '1')}},
         400,
         "extension"},
        {"/api/v2/interaction/+15550001000", {{"priority", 0}}, 400, "priority"},
        {"/api/v2/interaction/+15550001000", {{"timeout", 600001}}, 400, "timeout"},
        {"/api/v2/interaction/+15550001000", {{"caller_id", "Evil\" <1>"}}, 400, "caller_id"},
        {"/api/v2/interaction/+15550001000",
         {{"caller_id", std::string(129, 'a')}},
         400,
         "caller_id"},
        {"/api/v2/interaction/+15550001000", {{"variables", {{"1BAD", "x"}}}}, 400, "variable"},
        {"/api/v2/interaction/+15550001000",
         {{"variables", {{"OK", std::string(1025, 'x')}}}},
         400,
         "too long"},
        {"/api/v2/interaction/+15550001000",
         {{"status_callback", "ftp://x"}},
         400,
         "status_callback"},
        {"/api/v2/interaction/+15550001000",
         {{"status_callback_events", {"ringing", "nope"}}},
         400,
         "status_callback_events"},
        {"/api/v2/interaction/+15550001000", {{"timeout", "soon"}}, 422, "timeout"},
        {"/api/v2/interaction/+15550001000", {{"variables", {{"A", 1}}}}, 422, "variables"},
        {"/api/v2/calls", boost::json::object{}, 422, "phone_number"},
    };
    boost::json::object many;
    for (int i = 0; i < 51; ++i) many["V" + std::to_string(i)] = "x";
    cases.push_back({"/api/v2/interaction/+15550001000", {{"variables", many}}, 400, "variables"});
    for (const auto& c : cases) {
        auto r = post(alice_, c.target, c.body);
        EXPECT_EQ(r.status, c.status)
            << c.target << " " << boost::json::serialize(c.body) << " → " << r.body;
        auto lowered = r.body;
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), ::tolower);
        EXPECT_NE(lowered.find(c.mentions), std::string::npos) << r.body;
    }
    auto c = client();
    auto broken =
        c.request("POST", "/api/v2/interaction/+15550001000",
                  {{"Authorization", "Bearer " + alice_}, {"Content-Type", "application/json"}},
                  "{\"context\": ");
    ASSERT_TRUE(broken) << broken.error().message();
    EXPECT_EQ(broken->status, 422u);
    // Nothing was stored for any refused request.
    auto list = c.get("/api/v2/calls", {{"Authorization", "Bearer " + alice_}});
    ASSERT_TRUE(list) << list.error().message();
    EXPECT_EQ(list->json().as_object().at("items").as_array().size(), 0u);
}

TEST_P(CallApi, IdempotencyKeyReplaysTheFirstCall) {
    startAll();
    HeaderList key{{"Idempotency-Key", "order-7781"}};
    auto first = post(alice_, "/api/v2/interaction/+15550001000", {{"timeout", 5000}}, key);
    ASSERT_EQ(first.status, 201u);
    auto again = post(alice_, "/api/v2/interaction/+15550001000", {{"timeout", 5000}}, key);
    EXPECT_EQ(again.status, 200u) << again.body;
    EXPECT_EQ(str(again.json().as_object(), "call_id"), str(first.json().as_object(), "call_id"));
    auto different = post(alice_, "/api/v2/interaction/+15550009999", {{"timeout", 5000}}, key);
    EXPECT_EQ(different.status, 422u) << different.body;
    // Keys are per user: bob's same key is a new call.
    auto bobs = post(bob_, "/api/v2/interaction/+15550001000", {{"timeout", 5000}}, key);
    EXPECT_EQ(bobs.status, 201u);
    EXPECT_NE(str(bobs.json().as_object(), "call_id"), str(first.json().as_object(), "call_id"));
}

TEST_P(CallApi, UsersSeeOnlyTheirOwnCallsAndSuperusersSeeAll) {
    startAll();
    auto alices =
        str(post(alice_, "/api/v2/interaction/+15550001000").json().as_object(), "call_id");
    auto bobs = str(post(bob_, "/api/v2/interaction/+15550002000").json().as_object(), "call_id");
    EXPECT_EQ(getCall(bob_, alices).status, 404u);
    EXPECT_EQ(getCall(bob_, alices).json().as_object().at("detail"), "Call not found");
    EXPECT_EQ(getCall(root_, alices).status, 200u);
    auto c = client();
    EXPECT_EQ(
        c.del("/api/v2/calls/" + alices, {{"Authorization", "Bearer " + bob_}}).value().status,
        404u);
    EXPECT_EQ(c.get("/api/v2/calls/" + alices + "/events", {{"Authorization", "Bearer " + bob_}})
                  .value()
                  .status,
              404u);
    auto bob_list =
        c.get("/api/v2/calls", {{"Authorization", "Bearer " + bob_}}).value().json().as_object();
    ASSERT_EQ(bob_list.at("items").as_array().size(), 1u);
    EXPECT_EQ(str(bob_list.at("items").as_array()[0].as_object(), "call_id"), bobs);
    auto all =
        c.get("/api/v2/calls", {{"Authorization", "Bearer " + root_}}).value().json().as_object();
    EXPECT_EQ(all.at("items").as_array().size(), 2u);
    EXPECT_EQ(getCall(alice_, "not-a-uuid").status, 404u);
    EXPECT_EQ(getCall(alice_, "00000000-0000-4000-8000-000000000000").status, 404u);
}

TEST_P(CallApi, ListFiltersAndPaginatesNewestFirst) {
    startAll();
    std::vector<std::string> ids;
    for (int i = 0; i < 7; ++i) {
        auto r = post(alice_, "/api/v2/interaction/+1555000300" + std::to_string(i));
        ids.push_back(str(r.json().as_object(), "call_id"));
    }
    // Call ids are UUID v7: version 7, and each one's millisecond prefix is not before the last.
    for (std::size_t i = 0; i < ids.size(); ++i) {
        ASSERT_EQ(ids[i].size(), 36u) << ids[i];
        EXPECT_EQ(ids[i][14], '7') << ids[i];
        if (i > 0) EXPECT_LE(ids[i - 1].substr(0, 13), ids[i].substr(0, 13));
    }
    auto c = client();
    HeaderList auth{{"Authorization", "Bearer " + alice_}};
    std::vector<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
        auto target = "/api/v2/calls?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor);
        auto page_response = c.get(target, auth).value();
        ASSERT_EQ(page_response.status, 200u) << target << " " << page_response.body;
        auto body = page_response.json().as_object();
        for (const auto& item : body.at("items").as_array()) {
            seen.push_back(str(item.as_object(), "call_id"));
        }
        if (body.at("next_cursor").is_null()) break;
        cursor = str(body, "next_cursor");
    }
    std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
    EXPECT_EQ(seen, newest_first);

    auto filtered_response = c.get("/api/v2/calls?phone_number=%2B15550003003", auth).value();
    ASSERT_EQ(filtered_response.status, 200u) << filtered_response.body;
    auto filtered = filtered_response.json().as_object();
    ASSERT_EQ(filtered.at("items").as_array().size(), 1u);
    auto future =
        c.get("/api/v2/calls?created_after=2999-01-01T00:00:00Z", auth).value().json().as_object();
    EXPECT_EQ(future.at("items").as_array().size(), 0u);
    auto past = c.get("/api/v2/calls?created_before=2999-01-01", auth).value().json().as_object();
    EXPECT_EQ(past.at("items").as_array().size(), 7u);
    auto by_status = c.get(
                          "/api/v2/calls?status=completed,busy,failed,no_answer,canceled,pending,"
                          "dialing,ringing,answered",
                          auth)
                         ->json()
                         .as_object();
    EXPECT_EQ(by_status.at("items").as_array().size(), 7u);

    EXPECT_EQ(c.get("/api/v2/calls?limit=0", auth).value().status, 422u);
    EXPECT_EQ(c.get("/api/v2/calls?limit=501", auth).value().status, 422u);
    EXPECT_EQ(c.get("/api/v2/calls?limit=ten", auth).value().status, 422u);
    EXPECT_EQ(c.get("/api/v2/calls?status=exploded", auth).value().status, 400u);
    EXPECT_EQ(c.get("/api/v2/calls?cursor=%%%", auth).value().status, 400u);
    EXPECT_EQ(c.get("/api/v2/calls?created_after=yesterday", auth).value().status, 400u);
}

TEST_P(CallApi, CallCreationIsRateLimitedPerUser) {
    startAll({{"CALL_RATE_LIMIT_REQUESTS", "2"}});
    EXPECT_EQ(post(alice_, "/api/v2/interaction/+15550001000").status, 201u);
    auto second = post(alice_, "/api/v2/interaction/+15550001000");
    EXPECT_EQ(second.status, 201u);
    EXPECT_EQ(second.header("X-RateLimit-Remaining"), "0");
    auto third = post(alice_, "/api/v2/interaction/+15550001000");
    EXPECT_EQ(third.status, 429u);
    EXPECT_TRUE(third.header("Retry-After"));
    EXPECT_EQ(post(bob_, "/api/v2/interaction/+15550001000").status, 201u) << "per user";
}

INSTANTIATE_TEST_SUITE_P(Backends, CallApi, ::testing::Values("sqlite", "postgresql"), backendName);

}  // namespace
}  // namespace ccapi::itest
