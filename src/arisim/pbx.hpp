// The simulated PBX: Local channel pairs running the reference dialplan, with the per-half event
// sequences Asterisk 22 produced in traces/ for every outcome, hangup, continue and shutdown.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "arisim/app_registry.hpp"
#include "arisim/channel.hpp"
#include "arisim/dialplan.hpp"
#include "arisim/event_factory.hpp"
#include "arisim/scheduler.hpp"
#include "core/result.hpp"

namespace ccapi::arisim {

// POST /channels parameters after merging the query string and the JSON body.
struct OriginateRequest {
    std::string endpoint;
    std::string extension;
    std::string context;
    long priority = 0;
    std::string label;
    std::string app;
    std::string app_args;
    std::string caller_id;
    int timeout = 30;  // seconds; -1: none; 0 or less: 30
    std::string channel_id;
    std::string other_channel_id;
    std::string originator;
    std::string formats;
    std::vector<std::pair<std::string, std::string>> variables;
};

struct PbxConfig {
    std::string asterisk_id = "02:fc:00:00:00:01";
    DialplanTimes times;
    double time_scale = 1.0;
};

// Pure call logic: no sockets. Time comes from the Scheduler, events leave through `publish`,
// Stasis apps are looked up in the AppRegistry. Single-threaded: every method and every
// scheduler callback runs on the owner's thread (the simulator's io_context).
class Pbx {
public:
    using Publish = std::function<void(Event)>;

    Pbx(PbxConfig config, Scheduler& scheduler, AppRegistry& apps, Publish publish);
    ~Pbx();
    Pbx(const Pbx&) = delete;
    Pbx& operator=(const Pbx&) = delete;

    // 200 body (the ;1 snapshot) or the error Asterisk answers with. The call's first events
    // follow on the next turn of the event loop, after the response.
    Result<boost::json::object> originate(const OriginateRequest& request);
    // DELETE /channels/{id}: validates now, hangs up on the next turn (like ast_softhangup).
    ErrorCode hangup(std::string_view channel_id, std::string_view reason,
                     std::string_view reason_code);
    ErrorCode continueInDialplan(std::string_view channel_id, std::string_view context,
                                 std::string_view extension, int priority, std::string_view label);

    boost::json::array list() const;
    Result<boost::json::object> get(std::string_view channel_id) const;
    Result<std::string> variable(std::string_view channel_id, std::string_view name) const;
    // POST /channels/{id}/variable: only for a channel in Stasis, like Asterisk.
    ErrorCode setVariable(std::string_view channel_id, std::string_view name,
                          std::string_view value);

    // SIGTERM: every channel gets HangupRequest(4,soft) ... ChannelDestroyed(0), synchronously.
    void shutdown();
    // SIGKILL + start: forgets every channel without an event; counters start again at 0.
    void reset();
    // false: originates fail with 500 Allocation failed ("core stop gracefully").
    void setAccepting(bool accepting) { accepting_ = accepting; }
    bool accepting() const { return accepting_; }
    void setTimes(DialplanTimes times);
    const DialplanTimes& times() const { return times_; }
    void setTimeScale(double scale) { time_scale_ = scale; }

    std::size_t channelCount() const { return index_.size(); }
    // Called (on the owner's thread) whenever the last channel has been destroyed.
    void setIdleCallback(std::function<void()> fn) { idle_ = std::move(fn); }
    UnixMillis startupTime() const { return startup_; }
    Millis scaled(Millis duration) const;

private:
    enum class Half { kOne, kTwo };
    enum class EndKind { kAriDelete, kTimeout, kStasisFailed, kDialplanEnd };

    struct Runner {
        bool active = false;
        std::string context;
        std::string exten;
        int priority = 1;
    };

    struct Call {
        std::uint64_t key = 0;
        Channel one;
        Channel two;
        std::string dialstring;  // "answer@sim"
        std::string device;      // "Local/answer@sim"
        std::string app;
        std::vector<std::string> app_args;
        std::string app_data;  // Stasis(<app_data>)
        std::string dp_context;
        std::string dp_exten;
        int dp_priority = 1;
        PartyId cid;
        bool has_cid = false;
        std::vector<std::pair<std::string, std::string>> plain_variables;
        bool answered = false;
        bool in_stasis = false;
        bool was_in_stasis = false;
        Runner runner_one;
        Runner runner_two;
        Millis timeout{0};  // 0: none
        Scheduler::TimerId timeout_timer = 0;
        std::set<Scheduler::TimerId> timers;
    };

    EventStamp stamp() const;
    void emit(Event event);
    void emitSubscribeAll(Event event);

    Call* find(std::uint64_t key);
    std::pair<Call*, Half> findChannel(std::string_view channel_id);
    const Channel* findChannelConst(std::string_view channel_id) const;
    Channel& channel(Call& call, Half half) { return half == Half::kOne ? call.one : call.two; }
    Runner& runner(Call& call, Half half) {
        return half == Half::kOne ? call.runner_one : call.runner_two;
    }

    Scheduler::TimerId schedule(Call& call, Millis delay, std::function<void(Call&)> fn);
    void cancelTimers(Call& call);

    void startCall(std::uint64_t key);
    void runDialplan(std::uint64_t key, Half half);
    void calleeRinging(Call& call);
    void calleeAnswered(Call& call);
    void calleeBusy(Call& call, Half half, int cause, std::string_view dialstatus);
    void endFromOne(Call& call, int cause, EndKind kind);
    void endFromTwo(Call& call, int cause, EndKind kind);
    void leaveStasis(Call& call);
    void destroyChannel(Call& call, Half half, int cause, bool invalid_device = false);
    void finishCall(std::uint64_t key);

    double time_scale_;
    std::string asterisk_id_;
    DialplanTimes times_;
    Dialplan dialplan_;
    Scheduler& scheduler_;
    AppRegistry& apps_;
    Publish publish_;
    std::function<void()> idle_;

    std::map<std::uint64_t, std::unique_ptr<Call>> calls_;
    std::unordered_map<std::string, std::pair<std::uint64_t, Half>> index_;
    std::uint64_t next_key_ = 1;
    std::uint32_t local_sequence_ = 0;
    std::uint64_t unique_sequence_ = 0;
    bool accepting_ = true;
    UnixMillis startup_ = 0;
};

}  // namespace ccapi::arisim
