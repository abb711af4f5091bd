// The metrics registry: named families of labelled counters, gauges and histograms, and their
// rendering as Prometheus text (GET /metrics).
//
// Usage: the composition root owns one Registry and hands it to whoever registers metrics at
// start-up; each caller resolves its label sets once and caches the handles:
//
//   auto& requests = registry.counter("http_requests_total", "Requests served",
//                                     {"method", "route", "code"});
//   Counter& ok = requests.labels({"GET", "/health", "200"});   // shared_mutex, once
//   ok.inc();                                                   // relaxed atomic, hot path
//
// Registration mistakes (bad names, a name registered twice with another shape, the wrong number
// of label values) are programming errors found at start-up, so they throw std::invalid_argument
// instead of travelling as values through every caller.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metrics.hpp"

namespace ccapi::metrics {

using LabelNames = std::vector<std::string>;
using LabelValues = std::vector<std::string>;

enum class MetricType { kCounter, kGauge, kHistogram };

namespace detail {

// A scrape-time callback that its owner can withdraw while a scrape may be running it.
class CallbackSlot {
public:
    explicit CallbackSlot(std::function<double()> fn) : fn_(std::move(fn)) {}
    // nullopt once withdrawn, or if the callback throws (a scrape never fails because of one).
    std::optional<double> call();
    // Blocks until a running call() returns; afterwards the callback is never called again.
    void withdraw() noexcept;
    bool withdrawn();

private:
    std::mutex mutex_;
    std::function<double()> fn_;
};

// A family that holds callbacks and forgets one when its handle goes away.
class CallbackOwner {
public:
    virtual void forget(const LabelValues& values, const CallbackSlot* slot) noexcept = 0;

protected:
    ~CallbackOwner() = default;
};

}  // namespace detail

// Keeps a scrape-time callback registered (Registry::gaugeFn, ScalarFamily::callback). Destroying
// it, or reset(), unregisters the callback and waits for a scrape running it to finish, so a
// callback may safely capture `this` of the object that holds the handle. The handle may outlive
// the registry. Move-only; not for concurrent use.
class [[nodiscard]] CallbackHandle {
public:
    CallbackHandle() = default;
    CallbackHandle(CallbackHandle&& other) noexcept = default;
    CallbackHandle& operator=(CallbackHandle&& other) noexcept;
    CallbackHandle(const CallbackHandle&) = delete;
    CallbackHandle& operator=(const CallbackHandle&) = delete;
    ~CallbackHandle() { reset(); }

    void reset() noexcept;
    explicit operator bool() const noexcept { return slot_ != nullptr; }

private:
    template <class Metric>
    friend class ScalarFamily;
    CallbackHandle(std::shared_ptr<detail::CallbackSlot> slot,
                   std::weak_ptr<detail::CallbackOwner> owner, LabelValues values)
        : slot_(std::move(slot)), owner_(std::move(owner)), values_(std::move(values)) {}

    std::shared_ptr<detail::CallbackSlot> slot_;
    std::weak_ptr<detail::CallbackOwner> owner_;
    LabelValues values_;
};

// What every family has: a name, help text, a type and label names. Owned by the Registry.
class Family {
public:
    virtual ~Family() = default;
    Family(const Family&) = delete;
    Family& operator=(const Family&) = delete;

    const std::string& name() const noexcept { return name_; }
    const std::string& help() const noexcept { return help_; }
    MetricType type() const noexcept { return type_; }
    const LabelNames& labelNames() const noexcept { return label_names_; }

    // Appends HELP, TYPE and every series. Thread-safe; runs callbacks without holding locks.
    virtual void render(std::string& out) const = 0;

protected:
    Family(std::string name, std::string help, MetricType type, LabelNames label_names);
    void checkArity(const LabelValues& values) const;
    void appendHeader(std::string& out) const;
    // {a="x",b="y"} or nothing; `le` (when given) goes last, as histograms need.
    void appendLabels(std::string& out, const LabelValues& values,
                      std::optional<double> le = std::nullopt) const;

private:
    std::string name_;
    std::string help_;
    MetricType type_;
    LabelNames label_names_;
};

// Counters or gauges by label values: stored ones that callers update, or callbacks evaluated at
// scrape time for values owned elsewhere (queue depth, pool size).
template <class Metric>
class ScalarFamily final : public Family,
                           public detail::CallbackOwner,
                           public std::enable_shared_from_this<ScalarFamily<Metric>> {
public:
    ScalarFamily(std::string name, std::string help, LabelNames label_names);

    // The series for these label values (one per label name, in order), created on first use.
    // The reference stays valid for the registry's life: cache it.
    Metric& labels(const LabelValues& values = {});
    // Registers a callback for these label values; the series disappears when the handle does.
    // Throws if the series already exists as a stored value or a live callback.
    CallbackHandle callback(const LabelValues& values, std::function<double()> fn);

    void render(std::string& out) const override;
    void forget(const LabelValues& values, const detail::CallbackSlot* slot) noexcept override;

private:
    struct Series {
        std::unique_ptr<Metric> metric;                  // stored value, never freed before us
        std::shared_ptr<detail::CallbackSlot> callback;  // or a callback
    };
    mutable std::shared_mutex mutex_;
    std::map<LabelValues, Series> series_;  // sorted: a stable scrape order
};

using CounterFamily = ScalarFamily<Counter>;
using GaugeFamily = ScalarFamily<Gauge>;

class HistogramFamily final : public Family {
public:
    // `bounds`: finite, strictly increasing, not empty; a trailing +Inf is accepted and dropped.
    HistogramFamily(std::string name, std::string help, LabelNames label_names,
                    std::vector<double> bounds);

    // As ScalarFamily::labels: created on first use, stable for the registry's life.
    Histogram& labels(const LabelValues& values = {});
    std::span<const double> bounds() const noexcept { return bounds_; }

    void render(std::string& out) const override;

private:
    std::vector<double> bounds_;
    mutable std::shared_mutex mutex_;
    std::map<LabelValues, std::unique_ptr<Histogram>> series_;
};

// Owns every family. One per process, owned by the composition root (no global state), and safe
// to use from any thread. Families registered without labels get their single series at once, so
// a scrape shows them at 0 before the first event.
class Registry {
public:
    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Registering a name again with the same type, help and labels (and buckets) returns the
    // existing family, so independent components may declare a metric they share.
    CounterFamily& counter(std::string_view name, std::string_view help,
                           LabelNames label_names = {});
    GaugeFamily& gauge(std::string_view name, std::string_view help, LabelNames label_names = {});
    HistogramFamily& histogram(std::string_view name, std::string_view help,
                               LabelNames label_names = {},
                               std::vector<double> bounds = defaultLatencyBuckets());

    // An unlabelled gauge (or counter) whose value `fn` computes at scrape time. `fn` runs on the
    // scraping thread and must be quick and thread-safe.
    CallbackHandle gaugeFn(std::string_view name, std::string_view help,
                           std::function<double()> fn);
    CallbackHandle counterFn(std::string_view name, std::string_view help,
                             std::function<double()> fn);

    // Prometheus text format 0.0.4 (Content-Type kTextContentType), families sorted by name.
    std::string render() const;

private:
    template <class F, class... Extra>
    std::pair<F&, bool> family(MetricType type, std::string_view name, std::string_view help,
                               LabelNames label_names, Extra&&... extra);

    mutable std::shared_mutex mutex_;
    std::map<std::string, std::shared_ptr<Family>, std::less<>> families_;
};

}  // namespace ccapi::metrics
