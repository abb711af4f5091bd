#include "auth/login_lockout.hpp"

#include <algorithm>

namespace ccapi::auth {
namespace {

int ceilSeconds(std::chrono::steady_clock::duration d) {
    using namespace std::chrono;
    auto s = duration_cast<seconds>(d);
    if (s < d) s += seconds(1);
    return static_cast<int>(std::max<seconds::rep>(s.count(), 1));
}

}  // namespace

LoginLockout::LoginLockout(LockoutOptions options) : options_(options) {
    if (options_.max_failures < 0) options_.max_failures = 0;
    if (options_.duration.count() <= 0) options_.duration = std::chrono::seconds(1);
    if (options_.max_entries == 0) options_.max_entries = 1;
}

// Length-prefixed so that no (username, address) pair can spell another one.
std::string LoginLockout::key(std::string_view username, std::string_view address) {
    std::string k = std::to_string(username.size());
    k += ':';
    k += username;
    k += address;
    return k;
}

bool LoginLockout::expired(const Entry& e, TimePoint now) const {
    if (e.locked) return now >= e.locked_until;
    return now >= e.first_failure + options_.duration;
}

LockoutStatus LoginLockout::status(const Entry& e, TimePoint now) const {
    LockoutStatus s;
    if (expired(e, now)) return s;
    s.failures = e.failures;
    if (e.locked) {
        s.locked = true;
        s.retry_after_s = ceilSeconds(e.locked_until - now);
    }
    return s;
}

LockoutStatus LoginLockout::isLocked(std::string_view username, std::string_view address,
                                     TimePoint now) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key(username, address));
    if (it == entries_.end()) return {};
    return status(it->second, now);
}

LockoutStatus LoginLockout::recordFailure(std::string_view username, std::string_view address,
                                          TimePoint now) {
    if (options_.max_failures == 0) return {};
    std::lock_guard lock(mutex_);
    std::string k = key(username, address);
    auto it = entries_.find(k);
    if (it == entries_.end()) {
        makeRoomLocked(now);
        it = entries_.emplace(std::move(k), Entry{0, now, {}, false}).first;
    }
    Entry& e = it->second;
    if (expired(e, now)) e = Entry{0, now, {}, false};
    if (e.locked) return status(e, now);
    ++e.failures;
    if (e.failures >= options_.max_failures) {
        e.locked = true;
        e.locked_until = now + options_.duration;
    }
    return status(e, now);
}

void LoginLockout::recordSuccess(std::string_view username, std::string_view address) {
    std::lock_guard lock(mutex_);
    entries_.erase(key(username, address));
}

std::size_t LoginLockout::purgeExpired(TimePoint now) {
    std::lock_guard lock(mutex_);
    return std::erase_if(entries_, [&](const auto& e) { return expired(e.second, now); });
}

void LoginLockout::makeRoomLocked(TimePoint now) {
    if (entries_.size() < options_.max_entries) return;
    std::erase_if(entries_, [&](const auto& e) { return expired(e.second, now); });
    if (entries_.size() < options_.max_entries) return;
    // A flood of distinct pairs: forget the oldest unlocked one (a lock, once earned, stays).
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second.locked) continue;
        if (victim == entries_.end() || it->second.first_failure < victim->second.first_failure) {
            victim = it;
        }
    }
    if (victim == entries_.end()) {
        victim =
            std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
                return a.second.locked_until < b.second.locked_until;
            });
    }
    entries_.erase(victim);
}

std::size_t LoginLockout::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace ccapi::auth
