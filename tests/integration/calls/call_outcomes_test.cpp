// Every call outcome, end to end: HTTP → store → ARI (simulator) → events → terminal status.
#include <boost/json.hpp>

#include "fakes/http/wait.hpp"
#include "integration/calls/calls_fixture.hpp"

namespace ccapi::itest {
namespace {

using namespace std::chrono_literals;
using CallOutcomes = CallsTest;

std::string str(const boost::json::object& o, const char* key) {
    const auto& v = o.at(key);
    return v.is_string() ? std::string(v.as_string()) : std::string();
}

TEST_P(CallOutcomes, AnsweredCallCompletesWithTimestampsDurationAndTimeline) {
    startAll();
    auto created = post(alice_, "/api/v2/interaction/+15550001000");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto body = created.json().as_object();
    EXPECT_EQ(body.at("success"), true);
    EXPECT_EQ(body.at("message"), "Call initiated successfully");
    auto id = str(body, "call_id");
    EXPECT_EQ(created.header("Location"), "/api/v2/calls/" + id);
    EXPECT_EQ(str(body, "phone_number"), "+15550001000");
    EXPECT_EQ(str(body, "context"), "outbound-ivr");

    auto done = waitForStatus(alice_, id);
    EXPECT_EQ(str(done, "status"), "completed");
    EXPECT_EQ(done.at("hangup_cause"), 16);
    EXPECT_FALSE(done.at("answered_at").is_null());
    EXPECT_FALSE(done.at("dialed_at").is_null());
    EXPECT_FALSE(done.at("ended_at").is_null());
    EXPECT_TRUE(done.at("duration").is_int64());
    EXPECT_LE(str(done, "dialed_at"), str(done, "answered_at"));
    EXPECT_LE(str(done, "answered_at"), str(done, "ended_at"));
    EXPECT_EQ(done.at("is_completed"), true);
    EXPECT_EQ(done.at("is_active"), false);
    EXPECT_EQ(str(done, "created_at").back(), 'Z');
    auto steps = timeline(alice_, id);
    ASSERT_GE(steps.size(), 4u);
    EXPECT_EQ(steps.front(), "pending");
    EXPECT_EQ(steps.back(), "completed");
    EXPECT_NE(std::find(steps.begin(), steps.end(), "answered"), steps.end());
    EXPECT_EQ(done.at("version").as_int64(), static_cast<std::int64_t>(steps.size()));
}

TEST_P(CallOutcomes, EachOutcomeReachesItsTerminalStatus) {
    startAll();
    struct Case {
        const char* number;
        const char* status;
        const char* reason;  // "" = null
        int cause;
    };
    const Case cases[] = {
        {"+15550002001", "busy", "", 17},
        {"+15550002003", "failed", "congestion", 34},
        {"+15550002004", "failed", "rejected", 21},
        {"+15550002005", "failed", "unallocated number", 1},
    };
    std::vector<std::string> ids;
    for (const auto& c : cases) {
        auto r = post(alice_, std::string("/api/v2/interaction/") + c.number);
        ASSERT_EQ(r.status, 201u) << r.body;
        ids.push_back(str(r.json().as_object(), "call_id"));
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        // The ";2" half's cause (busy 17, congestion 34) may land just after the terminal status.
        int cause = cases[i].cause;
        auto done = waitForStatus(alice_, ids[i], [cause](const auto& c) {
            return c.at("is_completed").as_bool() && c.at("hangup_cause") == cause;
        });
        EXPECT_EQ(str(done, "status"), cases[i].status) << cases[i].number;
        if (*cases[i].reason) EXPECT_EQ(str(done, "failure_reason"), cases[i].reason);
        EXPECT_EQ(done.at("hangup_cause"), cases[i].cause) << cases[i].number;
        EXPECT_TRUE(done.at("answered_at").is_null());
        EXPECT_TRUE(done.at("duration").is_null());
    }
}

TEST_P(CallOutcomes, UnansweredCallTimesOutAsNoAnswer) {
    startAll();
    auto r = post(alice_, "/api/v2/interaction/+15550003002", {{"timeout", 2000}});
    ASSERT_EQ(r.status, 201u);
    auto id = str(r.json().as_object(), "call_id");
    auto done = waitForStatus(alice_, id);
    EXPECT_EQ(str(done, "status"), "no_answer");
    EXPECT_EQ(done.at("hangup_cause"), 19);
}

TEST_P(CallOutcomes, CancelWhileRingingIsCanceled) {
    startAll({}, 1.0);  // real-time dialplan: ringing lasts a second
    auto r = post(alice_, "/api/v2/interaction/+15550004000");
    auto id = str(r.json().as_object(), "call_id");
    waitForStatus(alice_, id, [](const auto& c) { return c.at("status") == "ringing"; });
    auto c = client();
    auto del = c.del("/api/v2/calls/" + id, {{"Authorization", "Bearer " + alice_}});
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 202u) << del->body;
    auto done = waitForStatus(alice_, id);
    EXPECT_EQ(str(done, "status"), "canceled");
    auto again = c.del("/api/v2/calls/" + id, {{"Authorization", "Bearer " + alice_}});
    EXPECT_EQ(again->status, 409u);
}

TEST_P(CallOutcomes, HangUpAfterAnswerIsCompleted) {
    startAll({}, 1.0);
    sim_->setTimings(std::chrono::milliseconds(200), std::chrono::milliseconds(60000));
    auto r = post(alice_, "/api/v2/interaction/+15550005000");
    auto id = str(r.json().as_object(), "call_id");
    waitForStatus(alice_, id, [](const auto& c) { return c.at("status") == "answered"; });
    auto c = client();
    auto del = c.del("/api/v2/calls/" + id, {{"Authorization", "Bearer " + alice_}});
    EXPECT_EQ(del->status, 202u);
    auto done = waitForStatus(alice_, id);
    EXPECT_EQ(str(done, "status"), "completed");
    EXPECT_FALSE(done.at("duration").is_null());
}

TEST_P(CallOutcomes, EventsBeforeThePostResponseStillEndRight) {
    startAll();
    // The simulator holds its originate answer; the call's events overtake it.
    arisim::ResponseDelay delay;
    delay.delay = std::chrono::milliseconds(600);
    delay.method = "POST";
    delay.path_prefix = "/ari/channels";
    delay.count = 1;
    sim_->delayResponses(delay);
    auto r = post(alice_, "/api/v2/interaction/+15550006001");
    ASSERT_EQ(r.status, 201u) << r.body;
    auto id = str(r.json().as_object(), "call_id");
    auto done = waitForStatus(alice_, id);
    EXPECT_EQ(str(done, "status"), "busy");
}

TEST_P(CallOutcomes, SessionApiShapesAndAliases) {
    startAll();
    auto r = post(alice_, "/api/v1/session/+15550007000");
    ASSERT_EQ(r.status, 201u) << r.body;
    auto body = r.json().as_object();
    auto id = str(body, "session_id");
    EXPECT_EQ(str(body, "target"), "+15550007000");
    EXPECT_TRUE(body.contains("call_status"));
    waitForStatus(alice_, id);
    auto c = client();
    auto auth = testhttp::HeaderList{{"Authorization", "Bearer " + alice_}};
    auto session = c.get("/api/v1/status/" + id, auth).value().json().as_object();
    EXPECT_EQ(str(session, "status"), "completed");
    EXPECT_EQ(str(session, "call_status"), "completed");
    for (auto path : {"/api/v2/status/", "/api/v1/calls/"}) {
        auto alias = c.get(std::string(path) + id, auth);
        EXPECT_EQ(alias->status, 200u) << path;
        EXPECT_EQ(str(alias->json().as_object(), "call_id"), id);
    }
    auto status = c.get("/api/v2/interaction/" + id + "/status", auth);
    EXPECT_EQ(status->status, 200u);
    auto v2calls = post(alice_, "/api/v2/calls", {{"phone_number", "+1 (555) 000-8000"}});
    ASSERT_EQ(v2calls.status, 201u) << v2calls.body;
    EXPECT_EQ(str(v2calls.json().as_object(), "phone_number"), "+15550008000");
}

TEST_P(CallOutcomes, VariablesAndCallerIdReachThePbx) {
    startAll();
    auto r = post(alice_, "/api/v2/interaction/+15550009000",
                  {{"caller_id", "Acme Support <+15550001111>"},
                   {"variables", {{"CUSTOMER_ID", "42"}, {"LANG", "es"}}},
                   {"context", "outbound-ivr"},
                   {"priority", 1}});
    ASSERT_EQ(r.status, 201u) << r.body;
    auto body = r.json().as_object();
    EXPECT_EQ(str(body, "caller_id"), "Acme Support <+15550001111>");
    EXPECT_EQ(body.at("variables").as_object().at("CUSTOMER_ID"), "42");
    auto done = waitForStatus(alice_, str(body, "call_id"));
    EXPECT_EQ(str(done, "status"), "completed");
}

INSTANTIATE_TEST_SUITE_P(Backends, CallOutcomes, ::testing::Values("sqlite", "postgresql"),
                         backendName);

}  // namespace
}  // namespace ccapi::itest
