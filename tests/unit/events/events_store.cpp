#include "unit/events/events_store.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/ids.hpp"
#include "core/time.hpp"

namespace ccapi::events::testing {

EventsStore::EventsStore() : dir_(std::make_unique<test::TempDir>("ccapi-events-")) {
    open("sqlite:///" + (dir_->path() / "store.db").string());
}

EventsStore::EventsStore(const std::string& database_url) { open(database_url); }

void EventsStore::open(const std::string& database_url) {
    storage::DatabaseOptions options;
    options.url = database_url;
    auto db = storage::openDatabase(options);
    if (!db) throw std::runtime_error("open: " + db.error().message());
    db_ = std::move(*db);
    auto migrated = db_->migrate();
    if (!migrated) throw std::runtime_error("migrate: " + migrated.error().message());
}

EventsStore::~EventsStore() = default;

std::int64_t EventsStore::addUser(const std::string& username, bool superuser) {
    auto user = db_->users().create({.username = username,
                                     .email = username + "@example.com",
                                     .full_name = "User " + username,
                                     .hashed_password = "$2b$12$not-a-real-hash",
                                     .is_superuser = superuser});
    if (!user) throw std::runtime_error("add user: " + user.error().message());
    return user->id;
}

storage::Call EventsStore::createCall(std::int64_t user_id, std::int64_t* first_event_id) {
    SystemClock clock;
    storage::Call call;
    call.call_id = newUuid();
    call.user_id = user_id;
    call.phone_number = "+15551230001";
    call.context = "outbound-ivr";
    call.extension = "s";
    call.caller_id = "+15550000000";
    call.created_at = clock.now();
    call.updated_at = call.created_at;
    call.request_hash = "hash-" + call.call_id;
    storage::CallEvent first{.call_id = call.call_id,
                             .seq = 1,
                             .status = storage::CallStatus::kPending,
                             .previous_status = std::nullopt,
                             .at = call.created_at,
                             .source = storage::EventSource::kApi,
                             .detail = "accepted"};
    auto created = db_->calls().create(call, first);
    if (!created) throw std::runtime_error("create call: " + created.error().message());
    if (first_event_id) *first_event_id = created->first_event_id;
    return created->call;
}

std::int64_t EventsStore::advance(storage::Call& call, storage::CallStatus to) {
    SystemClock clock;
    auto at = clock.now();
    storage::CallEvent event{.call_id = call.call_id,
                             .seq = call.version + 1,
                             .status = to,
                             .previous_status = call.status,
                             .at = at,
                             .source = storage::EventSource::kAri,
                             .detail = "test"};
    call.status = to;
    call.version += 1;
    call.updated_at = at;
    if (storage::isTerminal(to)) call.ended_at = at;
    storage::CallUpdate update;
    update.call = call;
    update.events.push_back(event);
    auto ids = db_->calls().apply({update});
    if (!ids || ids->size() != 1) throw std::runtime_error("apply failed");
    return ids->front();
}

}  // namespace ccapi::events::testing
