// UserStore and TokenStore written once over SqlConnection, for SQLite and PostgreSQL alike.
#pragma once

#include <memory>
#include <string>

#include "core/time.hpp"
#include "storage/sql/connection_pool.hpp"
#include "storage/stores.hpp"

namespace ccapi::storage {

// Thread-safe (each call borrows its own pooled connection). Owned by SqlDatabase; the pool and
// the clock outlive it.
class SqlUserStore final : public UserStore {
public:
    SqlUserStore(ConnectionPool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

    Result<User> create(const NewUser& user) override;
    Result<std::optional<User>> findByUsername(std::string_view username) override;
    Result<std::optional<User>> findById(std::int64_t id) override;
    Result<std::vector<User>> list() override;
    Result<bool> setActive(std::string_view username, bool active) override;
    Result<bool> setPassword(std::string_view username, std::string_view hashed) override;
    Result<std::int64_t> count() override;

private:
    ConnectionPool& pool_;
    const Clock& clock_;
};

// Thread-safe. Every change to a refresh-token family first locks the family's row (FOR UPDATE
// on PostgreSQL, the database write lock on SQLite), so rotation, reuse detection, revocation and
// saving a rotated token never interleave.
class SqlTokenStore final : public TokenStore {
public:
    SqlTokenStore(ConnectionPool& pool, Dialect dialect, const Clock& clock);

    Result<void> revokeAccess(std::string_view jti, UnixMicros expires_at) override;
    Result<bool> isAccessRevoked(std::string_view jti) override;
    Result<std::vector<std::string>> liveRevokedAccess(UnixMicros now) override;
    Result<void> saveRefresh(const RefreshToken& token) override;
    Result<RefreshUseResult> useRefresh(std::string_view jti, UnixMicros now) override;
    Result<void> revokeRefreshFamily(std::string_view family_id) override;
    Result<std::int64_t> purgeExpired(UnixMicros now) override;

private:
    ConnectionPool& pool_;
    const Clock& clock_;
    std::string lock_family_sql_;
    std::string lock_token_sql_;
};

}  // namespace ccapi::storage
