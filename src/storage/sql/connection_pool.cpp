#include "storage/sql/connection_pool.hpp"

namespace ccapi::storage {

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
    if (this != &other) {
        release();
        pool_ = std::exchange(other.pool_, nullptr);
        conn_ = std::move(other.conn_);
    }
    return *this;
}

void PooledConnection::release() {
    if (pool_ && conn_) pool_->giveBack(std::move(conn_));
    pool_ = nullptr;
}

ConnectionPool::ConnectionPool(Factory factory, std::size_t size, std::chrono::milliseconds wait)
    : factory_(std::move(factory)), size_(size == 0 ? 1 : size), wait_(wait) {}

Result<PooledConnection> ConnectionPool::acquire() {
    std::unique_lock lock(mutex_);
    auto ready = [this] { return !idle_.empty() || open_ < size_; };
    if (!available_.wait_for(lock, wait_, ready)) return StorageErrc::kUnavailable;
    while (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->stillConnected()) return PooledConnection(this, std::move(conn));
        --open_;  // the server ended it while idle: drop it, lend or open another
    }
    // Open outside the lock: connecting may take up to the connect timeout.
    ++open_;
    lock.unlock();
    auto opened = factory_();
    if (!opened) {
        lock.lock();
        --open_;
        available_.notify_one();
        return opened.error();
    }
    return PooledConnection(this, std::move(*opened));
}

Result<void> ConnectionPool::warmUp() {
    auto conn = acquire();
    if (!conn) return conn.error();
    return {};
}

std::size_t ConnectionPool::openConnections() const {
    std::lock_guard lock(mutex_);
    return open_;
}

void ConnectionPool::giveBack(std::unique_ptr<SqlConnection> conn) {
    // recycle() may talk to the server (ROLLBACK), so it runs before taking the lock.
    bool reusable = conn->recycle();
    if (!reusable) conn.reset();
    std::lock_guard lock(mutex_);
    if (reusable) {
        idle_.push_back(std::move(conn));
    } else {
        --open_;
    }
    available_.notify_one();
}

}  // namespace ccapi::storage
