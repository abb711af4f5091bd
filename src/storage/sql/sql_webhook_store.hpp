// WebhookStore over SqlConnection: the webhook outbox's queue and attempt log, for both backends.
#pragma once

#include "storage/sql/connection_pool.hpp"
#include "storage/stores.hpp"

namespace ccapi::storage {

// Thread-safe (each call borrows its own pooled connection). Owned by SqlDatabase; the pool
// outlives it. Blocking: reach it from I/O threads through ccapi::offload.
//
// The queue is the partial index webhook_deliveries_due_idx (pending rows by next_attempt_at);
// due() walks it in order and skips a delivery that an earlier pending one of the same call to
// the same URL still blocks (an anti-join through webhook_deliveries_call_idx). nextDue() applies
// the same head-of-line rule: a blocked delivery is never the time to look again, since it
// cannot become due before its head is settled by recordAttempt (after which the dispatcher
// asks again); counting it would wake a dispatcher over and over for nothing while the head
// waits for its retry.
//
// recordAttempt is one statement on PostgreSQL (a data-modifying CTE: one round trip, atomic on
// its own) and a two-statement transaction on SQLite, which has no UPDATE in a CTE.
class SqlWebhookStore final : public WebhookStore {
public:
    SqlWebhookStore(ConnectionPool& pool, Dialect dialect);

    Result<std::vector<WebhookDelivery>> due(UnixMicros now, std::size_t limit) override;
    Result<std::optional<UnixMicros>> nextDue() override;
    Result<bool> setPayload(std::int64_t delivery_id, std::string_view payload) override;
    Result<bool> recordAttempt(const WebhookAttempt& attempt, DeliveryState state) override;
    Result<std::vector<WebhookDelivery>> forCall(std::string_view call_id) override;
    Result<std::vector<WebhookAttempt>> attemptsForCall(std::string_view call_id) override;
    Result<std::int64_t> pendingCount() override;

private:
    ConnectionPool& pool_;
    Dialect dialect_;
};

}  // namespace ccapi::storage
