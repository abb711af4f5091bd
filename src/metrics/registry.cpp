#include "metrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "metrics/text_format.hpp"

namespace ccapi::metrics {
namespace {

std::string_view typeName(MetricType type) {
    switch (type) {
        case MetricType::kCounter:
            return "counter";
        case MetricType::kGauge:
            return "gauge";
        case MetricType::kHistogram:
            return "histogram";
    }
    return "untyped";
}

[[noreturn]] void fail(std::string_view name, std::string_view why) {
    throw std::invalid_argument("metric " + std::string(name) + ": " + std::string(why));
}

// Drops a trailing +Inf (the format adds its own) and insists on finite, strictly increasing.
std::vector<double> normalizedBounds(std::string_view name, std::vector<double> bounds) {
    if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
    if (bounds.empty()) fail(name, "a histogram needs at least one finite bucket");
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (!std::isfinite(bounds[i])) fail(name, "bucket bounds must be finite");
        if (i > 0 && !(bounds[i - 1] < bounds[i])) {
            fail(name, "bucket bounds must be strictly increasing");
        }
    }
    return bounds;
}

std::string joined(const LabelValues& values) {
    std::string text = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) text += ',';
        text += values[i];
    }
    return text + '}';
}

}  // namespace

// ---- callbacks ----------------------------------------------------------------------------

std::optional<double> detail::CallbackSlot::call() {
    std::lock_guard lock(mutex_);
    if (!fn_) return std::nullopt;
    try {
        return fn_();
    } catch (...) {
        return std::nullopt;
    }
}

void detail::CallbackSlot::withdraw() noexcept {
    std::function<double()> doomed;
    {
        std::lock_guard lock(mutex_);
        doomed.swap(fn_);
    }
    // `doomed` (and whatever it captured) dies outside the lock.
}

bool detail::CallbackSlot::withdrawn() {
    std::lock_guard lock(mutex_);
    return !fn_;
}

CallbackHandle& CallbackHandle::operator=(CallbackHandle&& other) noexcept {
    if (this != &other) {
        reset();
        slot_ = std::move(other.slot_);
        owner_ = std::move(other.owner_);
        values_ = std::move(other.values_);
    }
    return *this;
}

void CallbackHandle::reset() noexcept {
    if (!slot_) return;
    slot_->withdraw();
    if (auto owner = owner_.lock()) owner->forget(values_, slot_.get());
    slot_.reset();
    owner_.reset();
}

// ---- Family ---------------------------------------------------------------------------------

Family::Family(std::string name, std::string help, MetricType type, LabelNames label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
    if (!isValidMetricName(name_)) fail(name_, "invalid metric name");
    for (std::size_t i = 0; i < label_names_.size(); ++i) {
        const auto& label = label_names_[i];
        if (!isValidLabelName(label)) fail(name_, "invalid label name '" + label + "'");
        if (type_ == MetricType::kHistogram && label == "le") {
            fail(name_, "'le' is reserved for histogram buckets");
        }
        if (std::find(label_names_.begin(), label_names_.begin() + static_cast<long>(i), label) !=
            label_names_.begin() + static_cast<long>(i)) {
            fail(name_, "duplicate label name '" + label + "'");
        }
    }
}

void Family::checkArity(const LabelValues& values) const {
    if (values.size() != label_names_.size()) {
        fail(name_, "expected " + std::to_string(label_names_.size()) + " label values, got " +
                        std::to_string(values.size()));
    }
}

void Family::appendHeader(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    appendEscapedHelp(out, help_);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += typeName(type_);
    out += '\n';
}

void Family::appendLabels(std::string& out, const LabelValues& values,
                          std::optional<double> le) const {
    if (label_names_.empty() && !le) return;
    out += '{';
    for (std::size_t i = 0; i < label_names_.size(); ++i) {
        if (i > 0) out += ',';
        out += label_names_[i];
        out += "=\"";
        appendEscapedLabelValue(out, values[i]);
        out += '"';
    }
    if (le) {
        if (!label_names_.empty()) out += ',';
        out += "le=\"";
        appendValue(out, *le);
        out += '"';
    }
    out += '}';
}

// ---- ScalarFamily ---------------------------------------------------------------------------

template <class Metric>
ScalarFamily<Metric>::ScalarFamily(std::string name, std::string help, LabelNames label_names)
    : Family(std::move(name), std::move(help),
             std::is_same_v<Metric, Counter> ? MetricType::kCounter : MetricType::kGauge,
             std::move(label_names)) {}

template <class Metric>
Metric& ScalarFamily<Metric>::labels(const LabelValues& values) {
    checkArity(values);
    {
        std::shared_lock lock(mutex_);
        auto it = series_.find(values);
        if (it != series_.end() && it->second.metric) return *it->second.metric;
    }
    std::unique_lock lock(mutex_);
    auto& series = series_[values];
    if (series.callback) fail(name(), "series " + joined(values) + " is a callback");
    if (!series.metric) series.metric = std::make_unique<Metric>();
    return *series.metric;
}

template <class Metric>
CallbackHandle ScalarFamily<Metric>::callback(const LabelValues& values,
                                              std::function<double()> fn) {
    checkArity(values);
    if (!fn) fail(name(), "empty callback");
    auto slot = std::make_shared<detail::CallbackSlot>(std::move(fn));
    {
        std::unique_lock lock(mutex_);
        auto& series = series_[values];
        if (series.metric) fail(name(), "series " + joined(values) + " already holds a value");
        // A withdrawn slot whose handle has not reached forget() yet may be replaced.
        if (series.callback && !series.callback->withdrawn()) {
            fail(name(), "series " + joined(values) + " already has a callback");
        }
        series.callback = slot;
    }
    return CallbackHandle(std::move(slot), this->weak_from_this(), values);
}

template <class Metric>
void ScalarFamily<Metric>::forget(const LabelValues& values,
                                  const detail::CallbackSlot* slot) noexcept {
    std::unique_lock lock(mutex_);
    auto it = series_.find(values);
    if (it != series_.end() && it->second.callback.get() == slot) series_.erase(it);
}

template <class Metric>
void ScalarFamily<Metric>::render(std::string& out) const {
    struct Row {
        LabelValues values;
        const Metric* metric;
        std::shared_ptr<detail::CallbackSlot> callback;
    };
    // Copy what to render, then let go of the lock: callbacks may be slow or take their own locks.
    std::vector<Row> rows;
    {
        std::shared_lock lock(mutex_);
        rows.reserve(series_.size());
        for (const auto& [values, series] : series_) {
            rows.push_back({values, series.metric.get(), series.callback});
        }
    }
    appendHeader(out);
    for (const auto& row : rows) {
        std::optional<double> value;
        if (row.metric) {
            value = row.metric->value();
        } else if (row.callback) {
            value = row.callback->call();
        }
        if (!value) continue;
        out += name();
        appendLabels(out, row.values);
        out += ' ';
        appendValue(out, *value);
        out += '\n';
    }
}

template class ScalarFamily<Counter>;
template class ScalarFamily<Gauge>;

// ---- HistogramFamily ------------------------------------------------------------------------

HistogramFamily::HistogramFamily(std::string name, std::string help, LabelNames label_names,
                                 std::vector<double> bounds)
    : Family(std::move(name), std::move(help), MetricType::kHistogram, std::move(label_names)),
      bounds_(normalizedBounds(this->name(), std::move(bounds))) {}

Histogram& HistogramFamily::labels(const LabelValues& values) {
    checkArity(values);
    {
        std::shared_lock lock(mutex_);
        auto it = series_.find(values);
        if (it != series_.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    auto& series = series_[values];
    if (!series) series = std::make_unique<Histogram>(bounds_);
    return *series;
}

void HistogramFamily::render(std::string& out) const {
    appendHeader(out);
    std::shared_lock lock(mutex_);
    for (const auto& [values, histogram] : series_) {
        auto snapshot = histogram->snapshot();
        for (std::size_t i = 0; i <= bounds_.size(); ++i) {
            out += name();
            out += "_bucket";
            appendLabels(out, values, i < bounds_.size() ? bounds_[i] : HUGE_VAL);
            out += ' ';
            appendValue(out, static_cast<double>(snapshot.cumulative[i]));
            out += '\n';
        }
        out += name();
        out += "_sum";
        appendLabels(out, values);
        out += ' ';
        appendValue(out, snapshot.sum);
        out += '\n';
        out += name();
        out += "_count";
        appendLabels(out, values);
        out += ' ';
        appendValue(out, static_cast<double>(snapshot.count));
        out += '\n';
    }
}

// ---- Registry -------------------------------------------------------------------------------

template <class F, class... Extra>
std::pair<F&, bool> Registry::family(MetricType type, std::string_view name, std::string_view help,
                                     LabelNames label_names, Extra&&... extra) {
    std::unique_lock lock(mutex_);
    if (auto it = families_.find(name); it != families_.end()) {
        auto& existing = *it->second;
        if (existing.type() != type) fail(name, "already registered as another type");
        if (existing.help() != help) fail(name, "already registered with other help text");
        if (existing.labelNames() != label_names) {
            fail(name, "already registered with other label names");
        }
        return {static_cast<F&>(existing), false};
    }
    auto created = std::make_shared<F>(std::string(name), std::string(help), std::move(label_names),
                                       std::forward<Extra>(extra)...);
    auto& ref = *created;
    families_.emplace(std::string(name), std::move(created));
    return {ref, true};
}

CounterFamily& Registry::counter(std::string_view name, std::string_view help,
                                 LabelNames label_names) {
    auto [family, created] =
        this->family<CounterFamily>(MetricType::kCounter, name, help, std::move(label_names));
    if (created && family.labelNames().empty()) family.labels();
    return family;
}

GaugeFamily& Registry::gauge(std::string_view name, std::string_view help, LabelNames label_names) {
    auto [family, created] =
        this->family<GaugeFamily>(MetricType::kGauge, name, help, std::move(label_names));
    if (created && family.labelNames().empty()) family.labels();
    return family;
}

HistogramFamily& Registry::histogram(std::string_view name, std::string_view help,
                                     LabelNames label_names, std::vector<double> bounds) {
    bounds = normalizedBounds(name, std::move(bounds));
    auto [family, created] = this->family<HistogramFamily>(MetricType::kHistogram, name, help,
                                                           std::move(label_names), bounds);
    if (!created && !std::ranges::equal(family.bounds(), bounds)) {
        fail(name, "already registered with other buckets");
    }
    if (created && family.labelNames().empty()) family.labels();
    return family;
}

CallbackHandle Registry::gaugeFn(std::string_view name, std::string_view help,
                                 std::function<double()> fn) {
    return family<GaugeFamily>(MetricType::kGauge, name, help, {})
        .first.callback({}, std::move(fn));
}

CallbackHandle Registry::counterFn(std::string_view name, std::string_view help,
                                   std::function<double()> fn) {
    return family<CounterFamily>(MetricType::kCounter, name, help, {})
        .first.callback({}, std::move(fn));
}

std::string Registry::render() const {
    std::vector<std::shared_ptr<Family>> families;
    {
        std::shared_lock lock(mutex_);
        families.reserve(families_.size());
        for (const auto& [name, family] : families_) families.push_back(family);
    }
    std::string out;
    out.reserve(families.size() * 256);
    for (const auto& family : families) family->render(out);
    return out;
}

}  // namespace ccapi::metrics
