#include "storage/sql/sql_stores.hpp"

namespace ccapi::storage {

namespace {

constexpr std::string_view kUserColumns =
    "id, username, email, full_name, hashed_password, is_active, is_superuser, created_at";

User readUser(const SqlRow& row) {
    User user;
    user.id = row.integer(0);
    user.username = row.text(1);
    user.email = row.text(2);
    user.full_name = row.text(3);
    user.hashed_password = row.text(4);
    user.is_active = row.boolean(5);
    user.is_superuser = row.boolean(6);
    user.created_at = row.integer(7);
    return user;
}

std::string userQuery(std::string_view tail) {
    return "SELECT " + std::string(kUserColumns) + " FROM users " + std::string(tail);
}

Result<std::optional<User>> firstUser(Result<SqlResult> result) {
    if (!result) return result.error();
    if (result->empty()) return std::optional<User>();
    return std::optional<User>(readUser(result->rows.front()));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Users

Result<User> SqlUserStore::create(const NewUser& user) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    UnixMicros now = clock_.now();
    auto inserted = (*conn)->query(
        "INSERT INTO users (username, email, full_name, hashed_password, is_active, is_superuser,"
        " created_at) VALUES ($1, $2, $3, $4, TRUE, $5, $6) RETURNING id",
        {user.username, user.email, user.full_name, user.hashed_password, user.is_superuser, now});
    if (!inserted) return inserted.error();
    User created;
    created.id = inserted->first().integer(0);
    created.username = user.username;
    created.email = user.email;
    created.full_name = user.full_name;
    created.hashed_password = user.hashed_password;
    created.is_active = true;
    created.is_superuser = user.is_superuser;
    created.created_at = now;
    return created;
}

Result<std::optional<User>> SqlUserStore::findByUsername(std::string_view username) {
    static const std::string sql = userQuery("WHERE username = $1");
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return firstUser((*conn)->query(sql, {username}));
}

Result<std::optional<User>> SqlUserStore::findById(std::int64_t id) {
    static const std::string sql = userQuery("WHERE id = $1");
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return firstUser((*conn)->query(sql, {id}));
}

Result<std::vector<User>> SqlUserStore::list() {
    static const std::string sql = userQuery("ORDER BY id");
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query(sql);
    if (!result) return result.error();
    std::vector<User> users;
    users.reserve(result->rows.size());
    for (const auto& row : result->rows) users.push_back(readUser(row));
    return users;
}

Result<bool> SqlUserStore::setActive(std::string_view username, bool active) {
    auto conn = pool_.acquire();
    if (!conn) return {boost::system::in_place_error, conn.error()};
    auto result =
        (*conn)->query("UPDATE users SET is_active = $2 WHERE username = $1", {username, active});
    if (!result) return {boost::system::in_place_error, result.error()};
    return result->affected > 0;
}

Result<bool> SqlUserStore::setPassword(std::string_view username, std::string_view hashed) {
    auto conn = pool_.acquire();
    if (!conn) return {boost::system::in_place_error, conn.error()};
    auto result = (*conn)->query("UPDATE users SET hashed_password = $2 WHERE username = $1",
                                 {username, hashed});
    if (!result) return {boost::system::in_place_error, result.error()};
    return result->affected > 0;
}

Result<std::int64_t> SqlUserStore::count() {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query("SELECT COUNT(*) FROM users");
    if (!result) return result.error();
    return result->first().integer(0);
}

// ---------------------------------------------------------------------------------------------
// Tokens

SqlTokenStore::SqlTokenStore(ConnectionPool& pool, Dialect dialect, const Clock& clock)
    : pool_(pool), clock_(clock) {
    // SQLite has no row locks; its BEGIN IMMEDIATE already holds the database write lock.
    std::string_view for_update = dialect == Dialect::kPostgres ? " FOR UPDATE" : "";
    lock_family_sql_ =
        "SELECT revoked_at FROM refresh_families WHERE family_id = $1" + std::string(for_update);
    lock_token_sql_ =
        "SELECT user_id, family_id, issued_at, expires_at, used_at, revoked"
        " FROM refresh_tokens WHERE jti = $1" +
        std::string(for_update);
}

Result<void> SqlTokenStore::revokeAccess(std::string_view jti, UnixMicros expires_at) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    // Revoking twice is not an error: logout may be retried.
    auto result = (*conn)->query(
        "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)"
        " ON CONFLICT (jti) DO NOTHING",
        {jti, expires_at});
    if (!result) return result.error();
    return {};
}

Result<bool> SqlTokenStore::isAccessRevoked(std::string_view jti) {
    auto conn = pool_.acquire();
    if (!conn) return {boost::system::in_place_error, conn.error()};
    auto result = (*conn)->query("SELECT 1 FROM revoked_tokens WHERE jti = $1", {jti});
    if (!result) return {boost::system::in_place_error, result.error()};
    return !result->empty();
}

Result<std::vector<std::string>> SqlTokenStore::liveRevokedAccess(UnixMicros now) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    auto result = (*conn)->query(
        "SELECT jti FROM revoked_tokens WHERE expires_at > $1 ORDER BY expires_at", {now});
    if (!result) return result.error();
    std::vector<std::string> jtis;
    jtis.reserve(result->rows.size());
    for (const auto& row : result->rows) jtis.push_back(row.text(0));
    return jtis;
}

Result<void> SqlTokenStore::saveRefresh(const RefreshToken& token) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return inTransaction(**conn, [&](SqlConnection& c) -> Result<void> {
        // The upsert locks the family row; the family outlives its longest-lived token.
        auto family = c.query(
            "INSERT INTO refresh_families (family_id, user_id, expires_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (family_id) DO UPDATE SET expires_at = CASE"
            " WHEN excluded.expires_at > refresh_families.expires_at THEN excluded.expires_at"
            " ELSE refresh_families.expires_at END"
            " RETURNING revoked_at",
            {token.family_id, token.user_id, token.expires_at});
        if (!family) return family.error();
        bool family_revoked = !family->first().isNull(0);
        auto inserted = c.query(
            "INSERT INTO refresh_tokens (jti, user_id, family_id, issued_at, expires_at, revoked)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            {token.jti, token.user_id, token.family_id, token.issued_at, token.expires_at,
             family_revoked});
        if (!inserted) return inserted.error();
        return {};
    });
}

Result<RefreshUseResult> SqlTokenStore::useRefresh(std::string_view jti, UnixMicros now) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return inTransaction(**conn, [&](SqlConnection& c) -> Result<RefreshUseResult> {
        // Lock order is always family, then token (as in saveRefresh and revokeRefreshFamily),
        // so the first read only learns which family to lock.
        auto peek = c.query("SELECT family_id FROM refresh_tokens WHERE jti = $1", {jti});
        if (!peek) return peek.error();
        if (peek->empty()) return RefreshUseResult{RefreshUse::kUnknown, std::nullopt};
        std::string family_id = peek->rows.front().text(0);

        auto family = c.query(lock_family_sql_, {family_id});
        if (!family) return family.error();
        // Re-read after the lock: a concurrent user of the same token has committed by now.
        auto current = c.query(lock_token_sql_, {jti});
        if (!current) return current.error();
        if (current->empty()) return RefreshUseResult{RefreshUse::kUnknown, std::nullopt};
        const SqlRow& row = current->rows.front();

        RefreshToken token;
        token.jti = std::string(jti);
        token.user_id = row.integer(0);
        token.family_id = row.text(1);
        token.issued_at = row.integer(2);
        token.expires_at = row.integer(3);
        bool used = !row.isNull(4);
        bool family_revoked =
            (!family->empty() && !family->rows.front().isNull(0)) || row.boolean(5);

        if (family_revoked) return RefreshUseResult{RefreshUse::kRevoked, token};
        if (used) {
            // A rotated token came back: someone holds a copy. Revoke every token of the login.
            auto revoked =
                c.query("UPDATE refresh_families SET revoked_at = $2 WHERE family_id = $1",
                        {token.family_id, now});
            if (!revoked) return revoked.error();
            auto tokens = c.query("UPDATE refresh_tokens SET revoked = TRUE WHERE family_id = $1",
                                  {token.family_id});
            if (!tokens) return tokens.error();
            return RefreshUseResult{RefreshUse::kReused, token};
        }
        if (token.expires_at <= now) return RefreshUseResult{RefreshUse::kExpired, token};

        auto consumed =
            c.query("UPDATE refresh_tokens SET used_at = $2 WHERE jti = $1", {jti, now});
        if (!consumed) return consumed.error();
        return RefreshUseResult{RefreshUse::kAccepted, token};
    });
}

Result<void> SqlTokenStore::revokeRefreshFamily(std::string_view family_id) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    UnixMicros now = clock_.now();
    return inTransaction(**conn, [&](SqlConnection& c) -> Result<void> {
        auto family = c.query(
            "UPDATE refresh_families SET revoked_at = COALESCE(revoked_at, $2)"
            " WHERE family_id = $1",
            {family_id, now});
        if (!family) return family.error();
        auto tokens =
            c.query("UPDATE refresh_tokens SET revoked = TRUE WHERE family_id = $1", {family_id});
        if (!tokens) return tokens.error();
        return {};
    });
}

Result<std::int64_t> SqlTokenStore::purgeExpired(UnixMicros now) {
    auto conn = pool_.acquire();
    if (!conn) return conn.error();
    return inTransaction(**conn, [&](SqlConnection& c) -> Result<std::int64_t> {
        std::int64_t removed = 0;
        // Tokens before families: the family row is the revocation record and must stay while
        // any of its tokens could still be presented.
        for (std::string_view sql : {
                 "DELETE FROM revoked_tokens WHERE expires_at <= $1",
                 "DELETE FROM refresh_tokens WHERE expires_at <= $1",
                 "DELETE FROM refresh_families WHERE expires_at <= $1",
             }) {
            auto result = c.query(sql, {now});
            if (!result) return result.error();
            removed += result->affected;
        }
        return removed;
    });
}

}  // namespace ccapi::storage
