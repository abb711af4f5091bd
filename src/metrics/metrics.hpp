// Metric values (counter, gauge, histogram) whose handles callers cache: updating one is a relaxed
// atomic operation with no lock and no allocation, so they can sit on every hot path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ccapi::metrics {

// A value that only goes up (requests served, bytes sent). Created and owned by a CounterFamily,
// itself owned by the Registry; the reference a family hands out stays valid for the registry's
// life. Safe from any thread.
class Counter {
public:
    Counter() = default;
    Counter(const Counter&) = delete;
    Counter& operator=(const Counter&) = delete;

    // The common case, one `lock xadd`: whole increments never go through the floating-point
    // CAS loop and stay exact past 2^53.
    void inc() noexcept { whole_.fetch_add(1, std::memory_order_relaxed); }
    void inc(std::uint64_t amount) noexcept { whole_.fetch_add(amount, std::memory_order_relaxed); }
    // Negative and NaN amounts are dropped: a counter that goes down breaks rate() for everyone.
    void add(double amount) noexcept;

    double value() const noexcept;

private:
    std::atomic<std::uint64_t> whole_{0};
    std::atomic<double> fraction_{0.0};
};

// A value that goes up and down (connections open, calls in flight). Owned like Counter.
class Gauge {
public:
    Gauge() = default;
    Gauge(const Gauge&) = delete;
    Gauge& operator=(const Gauge&) = delete;

    void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
    void add(double amount) noexcept { value_.fetch_add(amount, std::memory_order_relaxed); }
    void sub(double amount) noexcept { value_.fetch_sub(amount, std::memory_order_relaxed); }
    void inc() noexcept { add(1.0); }
    void dec() noexcept { sub(1.0); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

// 0.5 ms … 10 s: HTTP handlers answer in well under a millisecond, a PBX round trip can take
// seconds, and both must land in a useful bucket.
std::vector<double> defaultLatencyBuckets();
// `count` bounds start, start+width, …  (count ≥ 1, width > 0).
std::vector<double> linearBuckets(double start, double width, std::size_t count);
// `count` bounds start, start*factor, …  (count ≥ 1, start > 0, factor > 1).
std::vector<double> exponentialBuckets(double start, double factor, std::size_t count);

// Observations sorted into buckets with inclusive upper bounds (Prometheus `le`). Owned like
// Counter; the bounds belong to the family and are shared by all of its series.
class Histogram {
public:
    // Cumulative counts, one per bound and a last one for +Inf (== count).
    struct Snapshot {
        std::vector<std::uint64_t> cumulative;
        double sum = 0.0;
        std::uint64_t count = 0;
    };

    // `bounds` must be finite and strictly increasing and outlive the histogram (the family
    // validates and owns them).
    explicit Histogram(std::span<const double> bounds);
    Histogram(const Histogram&) = delete;
    Histogram& operator=(const Histogram&) = delete;

    // NaN is dropped rather than poisoning _sum for the rest of the process's life.
    void observe(double value) noexcept;
    template <class Rep, class Period>
    void observe(std::chrono::duration<Rep, Period> elapsed) noexcept {
        observe(std::chrono::duration<double>(elapsed).count());
    }

    std::span<const double> bounds() const noexcept { return bounds_; }
    // Buckets are read one by one without stopping writers, so an observation racing a scrape
    // may be in a bucket but not yet in the sum; count is derived from the buckets so that
    // _count always equals the +Inf bucket, which is what queries rely on.
    Snapshot snapshot() const;

private:
    std::span<const double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf last)
    std::atomic<double> sum_{0.0};
};

// Observes the time from construction to destruction into a histogram, in seconds.
class ScopedTimer {
public:
    explicit ScopedTimer(Histogram& histogram) noexcept
        : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
    ScopedTimer(const ScopedTimer&) = delete;
    ScopedTimer& operator=(const ScopedTimer&) = delete;
    ~ScopedTimer() { histogram_.observe(std::chrono::steady_clock::now() - start_); }

private:
    Histogram& histogram_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace ccapi::metrics
