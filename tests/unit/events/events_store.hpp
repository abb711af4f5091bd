// Test support for the events module: a migrated store (SQLite in a temporary directory, or a
// PostgreSQL database), with users and calls moved through their statuses the way the API and
// the engine commit them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/stores.hpp"
#include "support/temp_dir.hpp"

namespace ccapi::events::testing {

// Owned by one test; the store it opens is thread-safe like any Database.
class EventsStore {
public:
    // A SQLite file in a temporary directory.
    EventsStore();
    // The (empty) database at `database_url`, migrated.
    explicit EventsStore(const std::string& database_url);
    ~EventsStore();

    storage::Database& db() { return *db_; }
    storage::CallStore& calls() { return db_->calls(); }

    // The new user's id.
    std::int64_t addUser(const std::string& username, bool superuser = false);
    // A pending call of `user_id`, committed with its first event (as the API does);
    // `first_event_id` gets the event's id.
    storage::Call createCall(std::int64_t user_id, std::int64_t* first_event_id = nullptr);
    // Commits one transition of `call` (as the engine does); returns its event_id.
    std::int64_t advance(storage::Call& call, storage::CallStatus to);

private:
    void open(const std::string& database_url);

    std::unique_ptr<test::TempDir> dir_;
    std::unique_ptr<storage::Database> db_;
};

}  // namespace ccapi::events::testing
