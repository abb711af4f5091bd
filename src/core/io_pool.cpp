#include "core/io_pool.hpp"

namespace ccapi {

IoPool::IoPool(std::size_t threads) {
    if (threads == 0) threads = 1;
    for (std::size_t i = 0; i < threads; ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.emplace_back(contexts_.back()->get_executor());
    }
}

IoPool::~IoPool() {
    stop();
    join();
}

boost::asio::io_context& IoPool::next() {
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::start() {
    for (auto& c : contexts_) {
        threads_.emplace_back([ctx = c.get()] { ctx->run(); });
    }
}

void IoPool::releaseWork() {
    for (auto& g : guards_) g.reset();
}

void IoPool::stop() {
    for (auto& c : contexts_) c->stop();
}

void IoPool::join() {
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    threads_.clear();
}

}  // namespace ccapi
