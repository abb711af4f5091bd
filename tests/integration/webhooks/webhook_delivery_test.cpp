// Webhooks end to end (SPEC §5): real calls through the simulator, the real service process, and
// a real HTTP receiver on loopback that can fail, redirect or succeed as each test plans.
#include <boost/json.hpp>
#include <set>

#include "core/time.hpp"
#include "fakes/http/wait.hpp"
#include "fakes/http/webhook_receiver.hpp"
#include "fakes/http/webhook_signature_check.hpp"
#include "integration/calls/calls_fixture.hpp"

namespace ccapi::itest {
namespace {

using namespace std::chrono_literals;
using testhttp::RecordedRequest;
using testhttp::WebhookReceiver;
using testhttp::WebhookReply;

constexpr const char* kWebhookSecret = "whsec-test-0123456789";

std::string str(const boost::json::value& v, const char* key) {
    return std::string(v.as_object().at(key).as_string());
}

class Webhooks : public CallsTest {
protected:
    void startWith(std::map<std::string, std::string> env = {}) {
        env.emplace("WEBHOOK_SECRET", kWebhookSecret);
        startAll(env);
    }

    std::string createCall(const std::string& token, const std::string& number,
                           boost::json::object body) {
        auto r = post(token, "/api/v2/interaction/" + number, body);
        EXPECT_EQ(r.status, 201u) << r.body;
        return r.status == 201u ? str(r.json(), "call_id") : std::string();
    }

    boost::json::object webhooks(const std::string& token, const std::string& call_id,
                                 unsigned expected_status = 200) {
        auto c = client();
        auto r =
            c.get("/api/v2/calls/" + call_id + "/webhooks", {{"Authorization", "Bearer " + token}});
        EXPECT_TRUE(r);
        if (!r) return {};
        EXPECT_EQ(r->status, expected_status) << r->body;
        return r->status == 200 ? r->json().as_object() : boost::json::object{};
    }

    // Waits until every delivery of the call is in one of `states`; returns the deliveries.
    boost::json::array waitForDeliveries(const std::string& token, const std::string& call_id,
                                         std::size_t count, std::set<std::string> states,
                                         std::chrono::milliseconds timeout = 20s) {
        boost::json::array last;
        bool reached = testhttp::waitUntil(
            [&] {
                auto body = webhooks(token, call_id);
                if (!body.contains("deliveries")) return false;
                last = body.at("deliveries").as_array();
                if (last.size() != count) return false;
                for (const auto& d : last) {
                    if (!states.contains(str(d, "state"))) return false;
                }
                return true;
            },
            timeout, 100ms);
        EXPECT_TRUE(reached) << boost::json::serialize(last);
        return last;
    }

    static std::vector<std::string> statusesOf(const std::vector<RecordedRequest>& requests) {
        std::vector<std::string> out;
        for (const auto& r : requests) out.push_back(str(boost::json::parse(r.body), "status"));
        return out;
    }
};

TEST_P(Webhooks, SignedDeliveriesArriveInOrderAndAreListed) {
    WebhookReceiver receiver;
    startWith();
    auto id = createCall(alice_, "+15550001000", {{"status_callback", receiver.url("/cb?x=1")}});
    ASSERT_FALSE(id.empty());
    waitForStatus(alice_, id);
    auto steps = timeline(alice_, id);
    ASSERT_GE(steps.size(), 4u);
    auto deliveries = waitForDeliveries(alice_, id, steps.size(), {"delivered"});
    ASSERT_TRUE(receiver.waitForRequests(steps.size(), 5s));

    auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), steps.size());
    EXPECT_EQ(statusesOf(requests), steps);
    std::int64_t previous_id = 0;
    auto now_s = SystemClock().now() / 1'000'000;
    for (const auto& r : requests) {
        EXPECT_EQ(r.method, "POST");
        EXPECT_EQ(r.target, "/cb?x=1");
        EXPECT_EQ(r.header("Content-Type"), "application/json");
        auto body = boost::json::parse(r.body).as_object();
        EXPECT_EQ(body.at("type"), "call.status");
        EXPECT_EQ(str(body, "call_id"), id);
        EXPECT_EQ(str(body.at("call"), "call_id"), id);
        auto event_id = body.at("event_id").as_int64();
        EXPECT_GT(event_id, previous_id);
        previous_id = event_id;
        EXPECT_EQ(r.header("X-Event-ID"), std::to_string(event_id));

        auto signature = r.header("X-Signature");
        auto parsed = testhttp::parseSignature(signature);
        ASSERT_TRUE(parsed) << signature;
        EXPECT_TRUE(testhttp::signatureVerifies(signature, kWebhookSecret, r.body));
        EXPECT_FALSE(testhttp::signatureVerifies(signature, "another-secret", r.body));
        EXPECT_LE(std::abs(parsed->t - now_s), 300);
    }

    for (const auto& d : deliveries) {
        EXPECT_EQ(d.at("attempt_count"), 1);
        EXPECT_TRUE(d.at("next_attempt_at").is_null());
        EXPECT_FALSE(d.at("delivered_at").is_null());
        EXPECT_EQ(d.at("last_status_code"), 200);
        const auto& attempts = d.at("attempts").as_array();
        ASSERT_EQ(attempts.size(), 1u);
        EXPECT_EQ(attempts[0].at("status_code"), 200);
        EXPECT_TRUE(attempts[0].at("next_retry_at").is_null());
        EXPECT_EQ(str(d, "url"), receiver.url("/cb?x=1"));
    }
    // Another user may not look at them.
    webhooks(bob_, id, 404);
}

TEST_P(Webhooks, StatusCallbackEventsChooseWhichStatusesAreSent) {
    WebhookReceiver receiver;
    startWith();
    boost::json::array wanted{"busy", "completed"};
    auto id = createCall(alice_, "+15550002001",
                         {{"status_callback", receiver.url()}, {"status_callback_events", wanted}});
    waitForStatus(alice_, id);
    waitForDeliveries(alice_, id, 1, {"delivered"});
    ASSERT_TRUE(receiver.waitForRequests(1, 5s));
    EXPECT_EQ(statusesOf(receiver.requests()), std::vector<std::string>{"busy"});
}

TEST_P(Webhooks, FailuresAreRetriedOnScheduleAndLaterEventsWaitTheirTurn) {
    WebhookReceiver receiver;
    receiver.plan([](const RecordedRequest&, std::size_t n) {
        return WebhookReply{.status = n < 2 ? 500 : 200};
    });
    startWith();
    auto id = createCall(alice_, "+15550002001", {{"status_callback", receiver.url()}});
    waitForStatus(alice_, id);
    auto steps = timeline(alice_, id);
    auto deliveries = waitForDeliveries(alice_, id, steps.size(), {"delivered"});
    ASSERT_EQ(deliveries.size(), steps.size());

    // The first event was tried three times before any later event was sent.
    auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), steps.size() + 2);
    auto first_id = requests[0].headers.get("X-Event-ID");
    EXPECT_EQ(requests[1].headers.get("X-Event-ID"), first_id);
    EXPECT_EQ(requests[2].headers.get("X-Event-ID"), first_id);
    EXPECT_EQ(requests[0].body, requests[2].body);  // a retry sends the same bytes
    std::vector<std::string> delivered;
    for (std::size_t i = 2; i < requests.size(); ++i) {
        delivered.push_back(str(boost::json::parse(requests[i].body), "status"));
    }
    EXPECT_EQ(delivered, steps);
    EXPECT_EQ(requests[1].headers.get("X-Delivery-Attempt"), "2");

    // Attempt log: 500 → retry 1 s later, 500 → retry 2 s later, 200.
    const auto& first = deliveries[0].as_object();
    EXPECT_EQ(first.at("attempt_count"), 3);
    const auto& attempts = first.at("attempts").as_array();
    ASSERT_EQ(attempts.size(), 3u);
    auto at = [&](std::size_t i, const char* key) {
        return parseIso8601(str(attempts[i], key)).value();
    };
    // The delay counts from the end of the failed attempt: at least `delay` after its start
    // (`at`) plus its measured duration, and short of the next step of the doubling (a bound
    // that distinguishes the schedule, not a speed requirement).
    auto waited_after = [&](std::size_t i) {
        auto ended = at(i, "at") + attempts[i].at("duration_ms").as_int64() * 1'000;
        return at(i, "next_retry_at") - ended;
    };
    EXPECT_EQ(attempts[0].at("status_code"), 500);
    EXPECT_GE(waited_after(0), 1'000'000);
    EXPECT_LT(waited_after(0), 2'000'000);
    EXPECT_EQ(attempts[1].at("status_code"), 500);
    EXPECT_GE(waited_after(1), 2'000'000);
    EXPECT_LT(waited_after(1), 4'000'000);
    EXPECT_GE(at(1, "at"), at(0, "next_retry_at"));
    EXPECT_EQ(attempts[2].at("status_code"), 200);
    EXPECT_TRUE(attempts[2].at("next_retry_at").is_null());
}

TEST_P(Webhooks, DeadAfterTheLastAttemptAndRedirectsAreNotFollowed) {
    WebhookReceiver receiver;
    receiver.plan([&](const RecordedRequest& r, std::size_t) {
        if (r.target == "/moved")
            return WebhookReply{.status = 302, .location = receiver.url("/other")};
        return WebhookReply{.status = 500};
    });
    startWith({{"WEBHOOK_MAX_ATTEMPTS", "2"}});
    boost::json::array only_pending{"pending"};
    auto failing = createCall(
        alice_, "+15550002001",
        {{"status_callback", receiver.url("/fail")}, {"status_callback_events", only_pending}});
    auto moved = createCall(
        alice_, "+15550002001",
        {{"status_callback", receiver.url("/moved")}, {"status_callback_events", only_pending}});

    auto dead = waitForDeliveries(alice_, failing, 1, {"dead"});
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].at("attempt_count"), 2);
    EXPECT_EQ(dead[0].at("last_status_code"), 500);
    EXPECT_TRUE(dead[0].at("next_attempt_at").is_null());
    const auto& attempts = dead[0].at("attempts").as_array();
    ASSERT_EQ(attempts.size(), 2u);
    EXPECT_FALSE(attempts[0].at("next_retry_at").is_null());
    EXPECT_TRUE(attempts[1].at("next_retry_at").is_null());

    auto redirected = waitForDeliveries(alice_, moved, 1, {"dead"});
    ASSERT_EQ(redirected.size(), 1u);
    EXPECT_EQ(redirected[0].at("last_status_code"), 302);
    for (const auto& r : receiver.requests()) EXPECT_NE(r.target, "/other");
}

TEST_P(Webhooks, APendingRetrySurvivesARestartOfTheService) {
    WebhookReceiver receiver;
    receiver.plan([](const RecordedRequest&, std::size_t) { return WebhookReply{.status = 503}; });
    startWith();
    auto id = createCall(alice_, "+15550002001", {{"status_callback", receiver.url()}});
    waitForStatus(alice_, id);
    auto steps = timeline(alice_, id);
    ASSERT_TRUE(receiver.waitForRequests(1, 10s));
    auto first_body = receiver.requests().front().body;

    ASSERT_TRUE(service().stop());
    ASSERT_EQ(service().waitExit(), 0);
    receiver.plan([](const RecordedRequest&, std::size_t) { return WebhookReply{.status = 200}; });
    restartService();

    auto deliveries = waitForDeliveries(alice_, id, steps.size(), {"delivered"});
    ASSERT_EQ(deliveries.size(), steps.size());
    auto requests = receiver.requests();
    // The first event: failed before the restart, then delivered with the very same body.
    std::size_t first_event_tries = 0;
    for (const auto& r : requests) {
        if (r.headers.get("X-Event-ID") == requests.front().headers.get("X-Event-ID")) {
            ++first_event_tries;
            EXPECT_EQ(r.body, first_body);
        }
    }
    EXPECT_GE(first_event_tries, 2u);
    // Every event was delivered, in order, exactly once successfully.
    std::vector<std::string> last_per_event;
    std::set<std::string> seen;
    for (auto it = requests.rbegin(); it != requests.rend(); ++it) {
        auto event = it->headers.get("X-Event-ID").value_or("");
        if (seen.insert(event).second) {
            last_per_event.insert(last_per_event.begin(),
                                  str(boost::json::parse(it->body), "status"));
        }
    }
    EXPECT_EQ(last_per_event, steps);
}

TEST_P(Webhooks, GlobalWebhookUrlReceivesEveryUsersCalls) {
    WebhookReceiver receiver;
    startWith({{"WEBHOOK_URL", receiver.url("/global")}});
    auto a = createCall(alice_, "+15550002001", {});
    auto b = createCall(bob_, "+15550002001", {});
    waitForStatus(alice_, a);
    waitForStatus(bob_, b);
    auto total = timeline(alice_, a).size() + timeline(bob_, b).size();
    ASSERT_TRUE(receiver.waitForRequests(total, 20s));
    std::set<std::string> calls;
    for (const auto& r : receiver.requests()) {
        EXPECT_EQ(r.target, "/global");
        calls.insert(str(boost::json::parse(r.body), "call_id"));
    }
    EXPECT_EQ(calls, (std::set<std::string>{a, b}));
}

TEST_P(Webhooks, ACallbackPointingAtTheServiceItselfIsRefused) {
    startWith();
    auto self = "http://127.0.0.1:" + std::to_string(service().port()) + "/api/v2/calls";
    auto r = post(alice_, "/api/v2/interaction/+15550001000", {{"status_callback", self}});
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_NE(r.body.find("points at this service"), std::string::npos) << r.body;
    auto bad = post(alice_, "/api/v2/interaction/+15550001000", {{"status_callback", "ftp://x"}});
    EXPECT_EQ(bad.status, 400u) << bad.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, Webhooks, ::testing::Values("sqlite", "postgresql"),
                         backendName);

}  // namespace
}  // namespace ccapi::itest
