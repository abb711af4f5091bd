// A PostgreSQL event writer caught in flight, for the tests of readers that follow the event log:
// a transaction that has drawn the next event id the way every event writer does (under the
// shared event-log lock) and holds it until the test commits or rolls it back.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "core/result.hpp"
#include "storage/sql/connection_pool.hpp"
#include "storage/sql/sql_call_store.hpp"

namespace ccapi::test {

class EventIdInFlight {
public:
    // Appends an event (`seq` of `call_id`, which must be stored) on a connection of `pool`.
    static Result<EventIdInFlight> draw(storage::ConnectionPool& pool, const std::string& call_id,
                                        std::int64_t seq) {
        auto conn = pool.acquire();
        if (!conn) return conn.error();
        if (auto begun = (*conn)->begin(); !begun) return begun.error();
        auto locked = (*conn)->query("SELECT pg_advisory_xact_lock_shared($1)",
                                     {storage::SqlCallStore::kEventLogLockKey});
        if (!locked) return locked.error();
        auto drawn = (*conn)->query(
            "INSERT INTO call_events (call_id, seq, status, previous_status, at, source, detail)"
            " VALUES ($1, $2, 'dialing', 'pending', 0, 'ari', 'in flight') RETURNING event_id",
            {call_id, seq});
        if (!drawn) return drawn.error();
        return EventIdInFlight(std::move(*conn), drawn->first().integer(0));
    }

    std::int64_t id() const { return id_; }
    Result<void> commit() { return conn_->commit(); }
    Result<void> rollback() { return conn_->rollback(); }

private:
    EventIdInFlight(storage::PooledConnection conn, std::int64_t id)
        : conn_(std::move(conn)), id_(id) {}

    storage::PooledConnection conn_;
    std::int64_t id_ = 0;
};

}  // namespace ccapi::test
