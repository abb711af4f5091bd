#include "integration/calls/calls_fixture.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>

#include "fakes/http/wait.hpp"
#include "storage/database_url.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace ccapi::itest {

using namespace std::chrono_literals;

void CallsTest::SetUp() { ServiceTest::SetUp(); }

void CallsTest::TearDown() {
    service_.reset();
    if (sim_) sim_->stop();
    if (sim_io_) sim_io_->stop();
    if (sim_thread_.joinable()) sim_thread_.join();
}

void CallsTest::startAll(std::map<std::string, std::string> extra_env, double time_scale) {
    sim_io_ = std::make_unique<boost::asio::io_context>(1);
    arisim::SimulatorOptions options;
    options.time_scale = time_scale;
    sim_ = std::make_unique<arisim::AriSimulator>(*sim_io_, options);
    ASSERT_FALSE(sim_->start());
    sim_thread_ = std::thread([io = sim_io_.get()] {
        auto guard = boost::asio::make_work_guard(*io);
        io->run();
    });
    service_env_ = {{"ARI_HTTP_URL", sim_->baseUrl()},
                    {"CALL_RATE_LIMIT_REQUESTS", "0"},
                    {"CIRCUIT_BREAKER_TIMEOUT", "1"}};
    for (auto& [k, v] : extra_env) service_env_[k] = v;
    start(service_env_);
    addUser("alice", "alice-password-1");
    addUser("bob", "bob-password-22");
    addUser("root", "root-password-333", true);
    alice_ = std::string(login("alice", "alice-password-1").at("access_token").as_string());
    bob_ = std::string(login("bob", "bob-password-22").at("access_token").as_string());
    root_ = std::string(login("root", "root-password-333").at("access_token").as_string());
    // Calls go out once the event socket is up: wait for it.
    ASSERT_TRUE(testhttp::waitUntil(
        [&] {
            auto h = client().get("/health");
            return h &&
                   h->json().as_object().at("asterisk").as_object().at("websocket") == "connected";
        },
        10s));
}

void CallsTest::restartService(std::map<std::string, std::string> extra_env) {
    auto env = service_env_;
    for (auto& [k, v] : extra_env) env[k] = v;
    start(env);
}

testhttp::Response CallsTest::post(const std::string& token, const std::string& target,
                                   const boost::json::value& body, testhttp::HeaderList headers) {
    headers.emplace_back("Authorization", "Bearer " + token);
    headers.emplace_back("Content-Type", "application/json");
    auto c = client();
    auto r = c.request("POST", target, headers, body.is_null() ? "" : boost::json::serialize(body));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : testhttp::Response{};
}

testhttp::Response CallsTest::getCall(const std::string& token, const std::string& call_id) {
    auto c = client();
    auto r = c.get("/api/v2/calls/" + call_id, {{"Authorization", "Bearer " + token}});
    EXPECT_TRUE(r);
    return r ? *r : testhttp::Response{};
}

boost::json::object CallsTest::waitForStatus(const std::string& token, const std::string& call_id,
                                             std::function<bool(const boost::json::object&)> until,
                                             std::chrono::milliseconds timeout) {
    boost::json::object last;
    bool reached = testhttp::waitUntil(
        [&] {
            auto r = getCall(token, call_id);
            if (r.status != 200) return false;
            last = r.json().as_object();
            return until ? until(last) : last.at("is_completed").as_bool();
        },
        timeout, 50ms);
    EXPECT_TRUE(reached) << "call " << call_id << " stuck at " << boost::json::serialize(last);
    return last;
}

std::unique_ptr<storage::SqlConnection> CallsTest::openServiceDatabase() {
    auto target = storage::parseDatabaseUrl(baseEnv().at("DATABASE_URL"));
    EXPECT_TRUE(target) << "DATABASE_URL";
    if (!target) return nullptr;
    if (target->kind == storage::DatabaseTarget::Kind::kPostgres) {
        auto opened = storage::PgConnection::open(target->location, std::chrono::seconds(10));
        EXPECT_TRUE(opened) << opened.error().message();
        return opened ? std::move(*opened) : nullptr;
    }
    auto opened = storage::SqliteConnection::open(target->location, nullptr);
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
}

void CallsTest::rewindToPending(const std::string& call_id) {
    auto conn = openServiceDatabase();
    ASSERT_TRUE(conn);
    auto rewound = conn->query(
        "UPDATE calls SET status = 'pending', channel = NULL, dialed_at = NULL, version = 1"
        " WHERE call_id = $1",
        {call_id});
    ASSERT_TRUE(rewound) << rewound.error().message();
    ASSERT_EQ(rewound->affected, 1);
    auto forgotten =
        conn->query("DELETE FROM call_events WHERE call_id = $1 AND seq > 1", {call_id});
    ASSERT_TRUE(forgotten) << forgotten.error().message();
}

std::vector<std::string> CallsTest::timeline(const std::string& token, const std::string& call_id) {
    auto c = client();
    auto r = c.get("/api/v2/calls/" + call_id + "/events", {{"Authorization", "Bearer " + token}});
    std::vector<std::string> out;
    if (!r || r->status != 200) return out;
    auto body = r->json();  // the loop below must not iterate a temporary's innards
    for (const auto& e : body.as_object().at("events").as_array()) {
        out.emplace_back(e.as_object().at("status").as_string());
    }
    return out;
}

}  // namespace ccapi::itest
