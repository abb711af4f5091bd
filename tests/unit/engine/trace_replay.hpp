// Turns the ARI traffic recorded from a real Asterisk (shared/ari/traces/*.jsonl) into per-call
// input sequences for the state machine, reorders them the ways Asterisk is known to (or could),
// and replays them. Test-only: all file reading lives here, never in src/engine.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/call_state_machine.hpp"

namespace ccapi::engine::trace {

// ${CCAPI_SOURCE_DIR}/../shared/ari/traces, else the first <dir>/shared/ari/traces or
// <dir>/../shared/ari/traces walking up from the working directory; empty when none exists.
std::filesystem::path findTracesDir();

// The *.jsonl files directly in `dir`, sorted by name.
std::vector<std::filesystem::path> listTraceFiles(const std::filesystem::path& dir);

// One JSON object per line; `errors` collects lines that do not parse.
std::vector<boost::json::object> readJsonLines(const std::filesystem::path& file,
                                               std::vector<std::string>& errors);

// Which stream an input belongs to. Reorderings keep each lane's own order; kControl inputs
// (our requests and their responses) stay in place relative to the call's own half, because
// their meaning depends on it (a DELETE causes the events that follow it).
enum class Lane { kControl, kOwn, kPeer };

struct ReplayInput {
    UnixMicros at = 0;
    Lane lane = Lane::kControl;
    Input input;
    std::string label;  // for failure messages, e.g. "Dial(BUSY) ;1"
};

// One originate with a channelId and everything that followed for that channel.
struct RecordedCall {
    std::string call_id;
    std::string endpoint;  // percent-decoded, e.g. "Local/+15551230001@outbound-ivr"
    int ordinal = 0;       // position among the file's originates with a channelId
    bool refused = false;  // the originate got a non-200 answer
    std::vector<ReplayInput> inputs;
};

struct RecordedScenario {
    std::string name;  // the meta line's "scenario"
    std::vector<RecordedCall> calls;
    int ws_events = 0;           // ws-in lines
    int undecodable_events = 0;  // ws-in lines decodeEvent refused
    int unrouted_events = 0;     // decoded, but for no originated call (DeviceStateChanged, …)
    std::vector<std::string> errors;
};

// Builds the calls of one recorded scenario, in file order:
//  - POST /ari/channels with a channelId (query or JSON body): a new call, OriginateSent;
//  - its response: 200 → OriginateAccepted, another status → OriginateRefused with Asterisk's
//    message, no status → PbxUnreachable;
//  - DELETE /ari/channels/{id}: HangupRequested (the recorder's hang-up stands for our API's);
//  - ws-in: decodeEvent, routed by call_id to the newest call of that id whose originate was not
//    refused (a 409 for a duplicate id must not capture the live call's events);
//  - the first GET /ari/channels answered after a WebSocket re-opened: Reconciled for each call.
RecordedScenario loadScenario(const std::filesystem::path& file);

struct ReplayResult {
    storage::Call call;
    std::vector<Transition> transitions;
    std::vector<std::string> rejected;
    std::vector<Command> commands;
};

// A new pending call with this id, fed every input in order (now never goes backwards).
ReplayResult replay(const std::string& call_id, const std::vector<ReplayInput>& inputs);

// ---- orderings ----
using Reordering = std::vector<ReplayInput> (*)(const std::vector<ReplayInput>&);

// Every ";2" event before anything else of the call.
std::vector<ReplayInput> peerHalfFirst(const std::vector<ReplayInput>& inputs);
// Every ";2" event after everything else of the call.
std::vector<ReplayInput> peerHalfLast(const std::vector<ReplayInput>& inputs);
// Each run of ";2" events swapped with the run of the other lanes just before it: the order
// between the halves reversed locally, each half's own order kept.
std::vector<ReplayInput> halvesSwapped(const std::vector<ReplayInput>& inputs);
// The originate's 200 after all the call's events ("events before the POST response").
std::vector<ReplayInput> originateResponseLast(const std::vector<ReplayInput>& inputs);
// The swaps outcome-repeatability.json recorded: on ;1 a hard ChannelHangupRequest before the
// first Dial; on ;2 ChannelHangupRequest(0) and ChannelStateChange(Busy) exchanged.
std::vector<ReplayInput> observedSwaps(const std::vector<ReplayInput>& inputs);
// Stronger than anything seen: within each half, every other pair of neighbouring events
// exchanged (never across one of our requests, never moving a ChannelDestroyed).
std::vector<ReplayInput> neighboursSwapped(const std::vector<ReplayInput>& inputs);

}  // namespace ccapi::engine::trace
