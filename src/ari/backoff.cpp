#include "ari/backoff.hpp"

#include <algorithm>

namespace ccapi::ari {

Backoff::Backoff(Millis initial, Millis max, std::uint64_t seed)
    : initial_(std::max(initial, Millis(1))), max_(std::max(max, initial_)), random_(seed) {}

Backoff::Millis Backoff::ceiling() const {
    // Doubling stops at the cap, so the shift never overflows however long the PBX is away.
    Millis cap = initial_;
    for (int i = 0; i < attempt_ && cap < max_; ++i) cap *= 2;
    return std::min(cap, max_);
}

Backoff::Millis Backoff::next() {
    Millis cap = ceiling();
    ++attempt_;
    std::uniform_int_distribution<Millis::rep> pick(0, cap.count());
    return Millis(pick(random_));
}

}  // namespace ccapi::ari
