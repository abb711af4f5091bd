// The engine's live calls, keyed by each record's own call_id: one copy of the id per call.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "engine/call_state_machine.hpp"

namespace ccapi::engine {

// A map from call_id to CallState that does not store the key twice: at 100,000 calls in flight
// (benchmark B4) a separate std::string key costs 88 bytes a call (the string, its heap block
// and a cached hash) for a value every record already holds. A call's call_id must not change
// while it is in the table (the state machine never changes it).
//
// Owned by CallEngine and used only on its executor.
class CallTable {
    struct Entry {
        mutable CallState state;  // mutable: the set never hashes anything but call.call_id
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view id) const noexcept {
            return std::hash<std::string_view>{}(id);
        }
        std::size_t operator()(const Entry& e) const noexcept {
            return (*this)(e.state.call.call_id);
        }
    };
    struct Equal {
        using is_transparent = void;
        static std::string_view id(std::string_view id) { return id; }
        static std::string_view id(const Entry& e) { return e.state.call.call_id; }
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const noexcept {
            return id(a) == id(b);
        }
    };
    using Set = std::unordered_set<Entry, Hash, Equal>;

public:
    class iterator {
    public:
        explicit iterator(Set::const_iterator it) : it_(it) {}
        CallState& operator*() const { return it_->state; }
        CallState* operator->() const { return &it_->state; }
        iterator& operator++() {
            ++it_;
            return *this;
        }
        bool operator==(const iterator& other) const { return it_ == other.it_; }

    private:
        Set::const_iterator it_;
    };

    iterator begin() const { return iterator(calls_.begin()); }
    iterator end() const { return iterator(calls_.end()); }
    std::size_t size() const { return calls_.size(); }

    // The live call, or nullptr.
    CallState* find(std::string_view call_id) const {
        auto it = calls_.find(call_id);
        return it == calls_.end() ? nullptr : &it->state;
    }
    bool contains(std::string_view call_id) const { return calls_.find(call_id) != calls_.end(); }
    CallState& at(std::string_view call_id) const {
        if (auto* state = find(call_id)) return *state;
        throw std::out_of_range("CallTable::at: no such call");
    }
    // Adds the call unless one with its id is live already (then `state` is dropped).
    void insert(CallState state) { calls_.insert(Entry{std::move(state)}); }
    // Removes the call and returns it; the id must be live.
    CallState extract(std::string_view call_id) {
        auto node = calls_.extract(calls_.find(call_id));
        return std::move(node.value().state);
    }

private:
    Set calls_;
};

}  // namespace ccapi::engine
