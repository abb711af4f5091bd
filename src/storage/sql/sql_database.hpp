// The Database behind every DATABASE_URL: one connection pool, the SQL repositories, migrations.
#pragma once

#include <memory>
#include <string>

#include "core/time.hpp"
#include "storage/sql/connection_pool.hpp"
#include "storage/sql/sql_call_store.hpp"
#include "storage/sql/sql_stores.hpp"
#include "storage/sql/sql_webhook_store.hpp"
#include "storage/stores.hpp"

namespace ccapi::storage {

// Owned by the composition root; thread-safe. Every repository shares the one pool.
class SqlDatabase final : public Database {
public:
    SqlDatabase(std::string backend, Dialect dialect, std::unique_ptr<ConnectionPool> pool,
                std::shared_ptr<const Clock> clock);

    UserStore& users() override { return users_; }
    TokenStore& tokens() override { return tokens_; }
    CallStore& calls() override { return calls_; }
    WebhookStore& webhooks() override { return webhooks_; }

    std::string_view backend() const override { return backend_; }
    Result<void> ping() override;
    Result<int> schemaVersion() override;
    int latestSchemaVersion() const override;
    Result<int> migrate() override;

    Dialect dialect() const { return dialect_; }
    ConnectionPool& pool() { return *pool_; }

private:
    std::string backend_;
    Dialect dialect_;
    std::unique_ptr<ConnectionPool> pool_;
    std::shared_ptr<const Clock> clock_;
    SqlUserStore users_;
    SqlTokenStore tokens_;
    SqlCallStore calls_;
    SqlWebhookStore webhooks_;
};

}  // namespace ccapi::storage
