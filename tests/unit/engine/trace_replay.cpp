#include "trace_replay.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string_view>

#include "ari/events.hpp"

namespace ccapi::engine::trace {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view kChannelsPath = "/ari/channels";

int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hexDigit(text[i + 1]) >= 0 &&
            hexDigit(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexDigit(text[i + 1]) * 16 + hexDigit(text[i + 2])));
            i += 2;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

struct Url {
    std::string path;
    std::map<std::string, std::string> query;
};

Url parseUrl(std::string_view url) {
    Url parsed;
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
        url.remove_prefix(scheme + 3);
        auto slash = url.find('/');
        url.remove_prefix(slash == std::string_view::npos ? url.size() : slash);
    }
    const auto question = url.find('?');
    parsed.path = std::string(url.substr(0, question));
    if (question == std::string_view::npos) return parsed;
    std::string_view query = url.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        parsed.query[percentDecode(pair.substr(0, eq))] =
            eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
        query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    }
    return parsed;
}

std::string stringAt(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::optional<std::int64_t> intAt(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || !value->is_number()) return std::nullopt;
    boost::system::error_code ec;
    const auto number = value->to_number<std::int64_t>(ec);
    return ec ? std::nullopt : std::optional(number);
}

double secondsAt(const json::object& object) {
    const json::value* value = object.if_contains("t");
    if (value == nullptr || !value->is_number()) return 0;
    boost::system::error_code ec;
    const double seconds = value->to_number<double>(ec);
    return ec ? 0 : seconds;
}

std::string eventLabel(const ari::ChannelEvent& event) {
    std::string label = event.type + "(";
    if (event.kind == ari::EventKind::kDial) label += event.dialstatus;
    if (event.kind == ari::EventKind::kChannelStateChange) label += event.channel_state;
    if (event.cause) label += std::to_string(*event.cause);
    if (event.soft) label += ",soft";
    label += event.peer_half ? ") ;2" : ") ;1";
    return label;
}

bool holdsOriginateAccepted(const ReplayInput& input) {
    return std::holds_alternative<OriginateAccepted>(input.input);
}

const ari::ChannelEvent* eventOf(const ReplayInput& input) {
    const auto* ari_event = std::get_if<AriEvent>(&input.input);
    return ari_event == nullptr ? nullptr : &ari_event->event;
}

bool isDestroyed(const ReplayInput& input) {
    const auto* event = eventOf(input);
    return event != nullptr && event->kind == ari::EventKind::kChannelDestroyed;
}

// Reads the whole scenario with the routing state the recorder's traffic needs.
class ScenarioBuilder {
public:
    explicit ScenarioBuilder(RecordedScenario& scenario) : scenario_(scenario) {}

    void line(const json::object& object) {
        const std::string dir = stringAt(object, "dir");
        const UnixMicros at = base_ + static_cast<UnixMicros>(secondsAt(object) * 1e6);
        if (dir == "meta") {
            scenario_.name = stringAt(object, "scenario");
            base_ = parseIso8601(stringAt(object, "started_at")).value_or(0);
        } else if (dir == "ws-open") {
            if (++ws_opens_ > 1) reconcile_due_ = true;
        } else if (dir == "http-req") {
            request(object, at);
        } else if (dir == "http-resp") {
            response(object, at);
        } else if (dir == "ws-in") {
            wsIn(object, at);
        }
    }

private:
    void request(const json::object& object, UnixMicros at) {
        const auto id = intAt(object, "id").value_or(-1);
        const std::string method = stringAt(object, "method");
        const Url url = parseUrl(stringAt(object, "url"));
        if (method == "POST" && url.path == kChannelsPath) {
            std::string channel_id =
                url.query.contains("channelId") ? url.query.at("channelId") : "";
            std::string endpoint = url.query.contains("endpoint") ? url.query.at("endpoint") : "";
            if (const json::value* body = object.if_contains("json");
                body != nullptr && body->is_object()) {
                if (channel_id.empty()) channel_id = stringAt(body->get_object(), "channelId");
                if (endpoint.empty()) endpoint = stringAt(body->get_object(), "endpoint");
            }
            if (channel_id.empty()) return;  // not how our service originates: no call to track
            RecordedCall call;
            call.call_id = channel_id;
            call.endpoint = endpoint;
            call.ordinal = static_cast<int>(scenario_.calls.size());
            call.inputs.push_back({at, Lane::kControl, OriginateSent{}, "POST /channels"});
            scenario_.calls.push_back(std::move(call));
            originates_[id] = scenario_.calls.size() - 1;
        } else if (method == "DELETE" && url.path.starts_with(std::string(kChannelsPath) + "/")) {
            const std::string channel_id = url.path.substr(kChannelsPath.size() + 1);
            if (auto* call = liveCall(channel_id)) {
                call->inputs.push_back({at, Lane::kControl, HangupRequested{}, "DELETE"});
            }
        } else if (method == "GET" && url.path == kChannelsPath && reconcile_due_) {
            reconcile_request_ = id;
        }
    }

    void response(const json::object& object, UnixMicros at) {
        const auto id = intAt(object, "id").value_or(-1);
        const auto status = intAt(object, "status");
        if (auto it = originates_.find(id); it != originates_.end()) {
            RecordedCall& call = scenario_.calls[it->second];
            if (!status) {
                call.refused = true;
                call.inputs.push_back({at, Lane::kControl, PbxUnreachable{}, "no response"});
            } else if (*status == 200) {
                call.inputs.push_back({at, Lane::kControl, OriginateAccepted{}, "200"});
            } else {
                call.refused = true;
                std::string message;
                if (const json::value* body = object.if_contains("body");
                    body != nullptr && body->is_object()) {
                    message = stringAt(body->get_object(), "message");
                    if (message.empty()) message = stringAt(body->get_object(), "error");
                }
                call.inputs.push_back({at, Lane::kControl,
                                       OriginateRefused{static_cast<unsigned>(*status), message},
                                       std::to_string(*status) + " " + message});
            }
            return;
        }
        if (reconcile_request_ && id == *reconcile_request_ && status == 200) {
            reconcile(object, at);
            reconcile_due_ = false;
            reconcile_request_.reset();
        }
    }

    void reconcile(const json::object& object, UnixMicros at) {
        std::map<std::string, std::string> live;  // channel id → state
        if (const json::value* body = object.if_contains("body");
            body != nullptr && body->is_array()) {
            for (const auto& channel : body->get_array()) {
                if (!channel.is_object()) continue;
                live[stringAt(channel.get_object(), "id")] =
                    stringAt(channel.get_object(), "state");
            }
        }
        for (RecordedCall& call : scenario_.calls) {
            if (call.refused) continue;
            const auto it = live.find(call.call_id);
            Reconciled reconciled{it != live.end(), it != live.end() ? it->second : ""};
            call.inputs.push_back(
                {at, Lane::kControl, reconciled,
                 reconciled.channel_exists ? "reconcile: " + it->second : "reconcile: gone"});
        }
    }

    void wsIn(const json::object& object, UnixMicros at) {
        ++scenario_.ws_events;
        const json::value* message = object.if_contains("msg");
        const auto event =
            message != nullptr ? ari::decodeEvent(json::serialize(*message)) : std::nullopt;
        if (!event) {
            ++scenario_.undecodable_events;
            return;
        }
        RecordedCall* call = event->call_id.empty() ? nullptr : liveCall(event->call_id);
        if (call == nullptr) {
            ++scenario_.unrouted_events;
            return;
        }
        call->inputs.push_back({at, event->peer_half ? Lane::kPeer : Lane::kOwn, AriEvent{*event},
                                eventLabel(*event)});
    }

    RecordedCall* liveCall(const std::string& call_id) {
        for (auto it = scenario_.calls.rbegin(); it != scenario_.calls.rend(); ++it) {
            if (it->call_id == call_id && !it->refused) return &*it;
        }
        return nullptr;
    }

    RecordedScenario& scenario_;
    UnixMicros base_ = 0;
    int ws_opens_ = 0;
    bool reconcile_due_ = false;
    std::optional<std::int64_t> reconcile_request_;
    std::map<std::int64_t, size_t> originates_;  // http request id → call index
};

}  // namespace

fs::path findTracesDir() {
    const fs::path relative = fs::path("shared") / "ari" / "traces";
    if (const char* source = std::getenv("CCAPI_SOURCE_DIR"); source != nullptr && *source) {
        const fs::path candidate = fs::path(source) / ".." / relative;
        if (fs::is_directory(candidate)) return fs::weakly_canonical(candidate);
    }
    for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
        for (const fs::path& candidate : {dir / relative, dir / ".." / relative}) {
            if (fs::is_directory(candidate)) return fs::weakly_canonical(candidate);
        }
        if (dir == dir.parent_path()) break;
    }
    return {};
}

std::vector<fs::path> listTraceFiles(const fs::path& dir) {
    std::vector<fs::path> files;
    if (dir.empty() || !fs::is_directory(dir)) return files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".jsonl") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<json::object> readJsonLines(const fs::path& file, std::vector<std::string>& errors) {
    std::vector<json::object> objects;
    std::ifstream in(file);
    if (!in) {
        errors.push_back("cannot open " + file.string());
        return objects;
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        boost::system::error_code ec;
        json::value value = json::parse(line, ec);
        if (ec || !value.is_object()) {
            errors.push_back(file.filename().string() + ":" + std::to_string(number) +
                             ": not a JSON object");
            continue;
        }
        objects.push_back(std::move(value.get_object()));
    }
    return objects;
}

RecordedScenario loadScenario(const fs::path& file) {
    RecordedScenario scenario;
    ScenarioBuilder builder(scenario);
    for (const auto& object : readJsonLines(file, scenario.errors)) builder.line(object);
    return scenario;
}

ReplayResult replay(const std::string& call_id, const std::vector<ReplayInput>& inputs) {
    CallState state;
    state.call.call_id = call_id;
    state.call.context = "outbound-ivr";
    state.call.extension = "s";
    state.call.priority = 1;
    UnixMicros now = inputs.empty() ? 0 : inputs.front().at;
    state.call.created_at = now;
    state.call.updated_at = now;
    ReplayResult result;
    for (const ReplayInput& input : inputs) {
        now = std::max(now, input.at);
        Decision decision = step(state, input.input, now);
        result.transitions.insert(result.transitions.end(), decision.transitions.begin(),
                                  decision.transitions.end());
        for (auto& text : decision.rejected) result.rejected.push_back(text + " at " + input.label);
        result.commands.insert(result.commands.end(), decision.commands.begin(),
                               decision.commands.end());
        state = std::move(decision.next);
    }
    result.call = state.call;
    return result;
}

std::vector<ReplayInput> peerHalfFirst(const std::vector<ReplayInput>& inputs) {
    std::vector<ReplayInput> out = inputs;
    std::stable_partition(out.begin(), out.end(),
                          [](const ReplayInput& input) { return input.lane == Lane::kPeer; });
    return out;
}

std::vector<ReplayInput> peerHalfLast(const std::vector<ReplayInput>& inputs) {
    std::vector<ReplayInput> out = inputs;
    std::stable_partition(out.begin(), out.end(),
                          [](const ReplayInput& input) { return input.lane != Lane::kPeer; });
    return out;
}

std::vector<ReplayInput> halvesSwapped(const std::vector<ReplayInput>& inputs) {
    std::vector<std::vector<ReplayInput>> runs;
    for (const ReplayInput& input : inputs) {
        const bool peer = input.lane == Lane::kPeer;
        if (runs.empty() || (runs.back().front().lane == Lane::kPeer) != peer) runs.emplace_back();
        runs.back().push_back(input);
    }
    std::vector<ReplayInput> out;
    for (size_t i = 0; i < runs.size(); ++i) {
        const bool swap = i + 1 < runs.size() && runs[i].front().lane != Lane::kPeer;
        if (swap) {
            out.insert(out.end(), runs[i + 1].begin(), runs[i + 1].end());
            out.insert(out.end(), runs[i].begin(), runs[i].end());
            ++i;
        } else {
            out.insert(out.end(), runs[i].begin(), runs[i].end());
        }
    }
    return out;
}

std::vector<ReplayInput> originateResponseLast(const std::vector<ReplayInput>& inputs) {
    std::vector<ReplayInput> out = inputs;
    std::stable_partition(out.begin(), out.end(),
                          [](const ReplayInput& input) { return !holdsOriginateAccepted(input); });
    return out;
}

std::vector<ReplayInput> observedSwaps(const std::vector<ReplayInput>& inputs) {
    std::vector<ReplayInput> out = inputs;
    // ;1: the first hard ChannelHangupRequest moves before the first Dial.
    auto first_dial = std::find_if(out.begin(), out.end(), [](const ReplayInput& input) {
        const auto* event = eventOf(input);
        return input.lane == Lane::kOwn && event && event->kind == ari::EventKind::kDial;
    });
    auto hard_hangup = std::find_if(first_dial, out.end(), [](const ReplayInput& input) {
        const auto* event = eventOf(input);
        return input.lane == Lane::kOwn && event &&
               event->kind == ari::EventKind::kChannelHangupRequest && !event->soft;
    });
    if (first_dial != out.end() && hard_hangup != out.end()) {
        std::rotate(first_dial, hard_hangup, hard_hangup + 1);
    }
    // ;2: HangupRequest(0) and StateChange(Busy) exchanged where they are neighbours.
    std::vector<size_t> peer;
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].lane == Lane::kPeer) peer.push_back(i);
    }
    auto is = [&](size_t index, ari::EventKind kind) {
        const auto* event = eventOf(out[index]);
        return event && event->kind == kind;
    };
    for (size_t k = 0; k + 1 < peer.size(); ++k) {
        const size_t a = peer[k];
        const size_t b = peer[k + 1];
        const bool busy_then_hangup = is(a, ari::EventKind::kChannelStateChange) &&
                                      eventOf(out[a])->channel_state == "Busy" &&
                                      is(b, ari::EventKind::kChannelHangupRequest) &&
                                      !eventOf(out[b])->soft;
        const bool hangup_then_busy =
            is(a, ari::EventKind::kChannelHangupRequest) && !eventOf(out[a])->soft &&
            is(b, ari::EventKind::kChannelStateChange) && eventOf(out[b])->channel_state == "Busy";
        if (busy_then_hangup || hangup_then_busy) {
            std::swap(out[a], out[b]);
            ++k;
        }
    }
    return out;
}

std::vector<ReplayInput> neighboursSwapped(const std::vector<ReplayInput>& inputs) {
    std::vector<ReplayInput> out = inputs;
    for (Lane lane : {Lane::kOwn, Lane::kPeer}) {
        std::vector<size_t> positions;
        for (size_t i = 0; i < out.size(); ++i) {
            if (out[i].lane == lane) positions.push_back(i);
        }
        for (size_t k = 0; k + 1 < positions.size(); k += 2) {
            const size_t a = positions[k];
            const size_t b = positions[k + 1];
            const bool request_between =
                std::any_of(out.begin() + a, out.begin() + b,
                            [](const ReplayInput& input) { return input.lane == Lane::kControl; });
            if (request_between || isDestroyed(out[a]) || isDestroyed(out[b])) continue;
            std::swap(out[a], out[b]);
        }
    }
    return out;
}

}  // namespace ccapi::engine::trace
