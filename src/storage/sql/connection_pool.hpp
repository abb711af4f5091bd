// A small blocking pool of SqlConnections, shared by every repository of one Database.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.hpp"
#include "storage/sql/sql_connection.hpp"

namespace ccapi::storage {

class ConnectionPool;

// A connection on loan; goes back to its pool (or is dropped, if broken) when destroyed.
class PooledConnection {
public:
    PooledConnection() = default;
    PooledConnection(ConnectionPool* pool, std::unique_ptr<SqlConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    PooledConnection(PooledConnection&& other) noexcept = default;
    PooledConnection& operator=(PooledConnection&& other) noexcept;
    PooledConnection(const PooledConnection&) = delete;
    PooledConnection& operator=(const PooledConnection&) = delete;
    ~PooledConnection() { release(); }

    SqlConnection& operator*() const { return *conn_; }
    SqlConnection* operator->() const { return conn_.get(); }

private:
    void release();

    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<SqlConnection> conn_;
};

// Thread-safe. Connections are opened lazily up to `size`; a caller that finds them all on loan
// waits up to `wait` and then gets kUnavailable instead of queueing forever behind a stuck peer.
// Owned by the Database; every PooledConnection must be returned before the pool is destroyed.
class ConnectionPool {
public:
    using Factory = std::function<Result<std::unique_ptr<SqlConnection>>()>;

    ConnectionPool(Factory factory, std::size_t size,
                   std::chrono::milliseconds wait = std::chrono::seconds(30));
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    Result<PooledConnection> acquire();
    // Opens one connection now, so that open() reports an unreachable server at once.
    Result<void> warmUp();

    std::size_t size() const { return size_; }
    std::size_t openConnections() const;

private:
    friend class PooledConnection;
    void giveBack(std::unique_ptr<SqlConnection> conn);

    Factory factory_;
    const std::size_t size_;
    const std::chrono::milliseconds wait_;

    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<SqlConnection>> idle_;
    std::size_t open_ = 0;  // idle + on loan + being opened
};

}  // namespace ccapi::storage
