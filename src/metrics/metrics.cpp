#include "metrics/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ccapi::metrics {

void Counter::add(double amount) noexcept {
    if (!(amount > 0.0)) return;  // also rejects NaN
    // Whole amounts take the exact integer path so that inc() and add(1.0) mix exactly.
    constexpr double kExactLimit = 9007199254740992.0;  // 2^53
    if (amount < kExactLimit && std::floor(amount) == amount) {
        whole_.fetch_add(static_cast<std::uint64_t>(amount), std::memory_order_relaxed);
    } else {
        fraction_.fetch_add(amount, std::memory_order_relaxed);
    }
}

double Counter::value() const noexcept {
    return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
           fraction_.load(std::memory_order_relaxed);
}

std::vector<double> defaultLatencyBuckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
}

std::vector<double> linearBuckets(double start, double width, std::size_t count) {
    if (count == 0 || !(width > 0.0) || !std::isfinite(start)) {
        throw std::invalid_argument("linearBuckets: need count >= 1, width > 0, finite start");
    }
    std::vector<double> bounds;
    bounds.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        bounds.push_back(start + width * static_cast<double>(i));
    return bounds;
}

std::vector<double> exponentialBuckets(double start, double factor, std::size_t count) {
    if (count == 0 || !(start > 0.0) || !(factor > 1.0) || !std::isfinite(start)) {
        throw std::invalid_argument("exponentialBuckets: need count >= 1, start > 0, factor > 1");
    }
    std::vector<double> bounds;
    bounds.reserve(count);
    double bound = start;
    for (std::size_t i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
    return bounds;
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        buckets_[i].store(0, std::memory_order_relaxed);
    }
}

void Histogram::observe(double value) noexcept {
    if (std::isnan(value)) return;
    // First bound >= value: `le` is inclusive. Past the last bound lands in the +Inf slot.
    auto index = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                          bounds_.begin());
    buckets_[index].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot snapshot;
    snapshot.cumulative.reserve(bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.count = running;
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    return snapshot;
}

}  // namespace ccapi::metrics
