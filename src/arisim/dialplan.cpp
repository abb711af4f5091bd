#include "arisim/dialplan.hpp"

#include <cctype>

#include "arisim/errors.hpp"
#include "arisim/format.hpp"

namespace ccapi::arisim {
namespace {

DialplanStep app(AppKind kind, std::string name, std::string data = {}) {
    DialplanStep s;
    s.kind = kind;
    s.app = std::move(name);
    s.data = std::move(data);
    return s;
}

DialplanStep noOp(std::string text) { return app(AppKind::kNoOp, "NoOp", std::move(text)); }

DialplanStep wait(Millis duration) {
    auto s = app(AppKind::kWait, "Wait", formatSeconds(duration));
    s.wait = duration;
    return s;
}

DialplanStep hangup(int cause) {
    auto s = app(AppKind::kHangup, "Hangup", cause ? std::to_string(cause) : std::string{});
    s.cause = cause;
    return s;
}

DialplanStep gotoIf(bool condition, std::string_view target_exten) {
    auto s = app(AppKind::kGotoIf, "GotoIf",
                 std::string(condition ? "1" : "0") + "?sim," + std::string(target_exten) + ",1");
    s.jump = condition;
    s.target_context = "sim";
    s.target_exten = std::string(target_exten);
    return s;
}

// _+X. : a '+', one digit, then one or more characters.
bool matchesPlusNumber(std::string_view exten) {
    return exten.size() >= 3 && exten[0] == '+' &&
           std::isdigit(static_cast<unsigned char>(exten[1]));
}

}  // namespace

DialplanTimes dialplanTimes(const SimulatorOptions& options) {
    DialplanTimes t;
    t.answer_after = options.answer_after;
    t.hangup_after = options.hangup_after;
    t.answer_long_hold = options.answer_long_hold;
    t.ivr_hold = options.ivr_hold;
    t.noanswer_ring = options.noanswer_ring;
    return t;
}

Dialplan::Dialplan(DialplanTimes times) : times_(times) {}

std::vector<DialplanStep> Dialplan::extension(std::string_view context,
                                              std::string_view exten) const {
    std::vector<DialplanStep> steps;
    if (context == "sim") {
        if (exten == "answer" || exten == "answer-long") {
            steps.push_back(noOp("sim " + std::string(exten)));
            steps.push_back(app(AppKind::kRinging, "Ringing"));
            steps.push_back(wait(times_.answer_after));
            steps.push_back(app(AppKind::kAnswer, "Answer"));
            steps.push_back(
                wait(exten == "answer" ? times_.hangup_after : times_.answer_long_hold));
            steps.push_back(hangup(0));
        } else if (exten == "busy") {
            steps.push_back(noOp("sim busy"));
            steps.push_back(app(AppKind::kRinging, "Ringing"));
            steps.push_back(wait(times_.answer_after));
            steps.push_back(app(AppKind::kBusy, "Busy"));
        } else if (exten == "noanswer") {
            steps.push_back(noOp("sim noanswer"));
            steps.push_back(app(AppKind::kRinging, "Ringing"));
            steps.push_back(wait(times_.noanswer_ring));
            steps.push_back(hangup(0));
        } else if (exten == "congestion") {
            steps.push_back(noOp("sim congestion"));
            steps.push_back(app(AppKind::kCongestion, "Congestion"));
        } else if (exten == "reject") {
            steps.push_back(noOp("sim reject"));
            steps.push_back(hangup(21));
        } else if (exten == "unallocated") {
            steps.push_back(noOp("sim unallocated"));
            steps.push_back(hangup(1));
        }
    } else if (context == "outbound-ivr") {
        if (exten == "s") {
            steps.push_back(
                noOp("outbound-ivr s: continued from Stasis / originated into dialplan"));
            steps.push_back(app(AppKind::kAnswer, "Answer"));
            steps.push_back(wait(times_.ivr_hold));
            steps.push_back(hangup(0));
        } else if (matchesPlusNumber(exten)) {
            std::string last(exten.substr(exten.size() - 1));
            steps.push_back(noOp("outbound-ivr number " + std::string(exten)));
            auto set = app(AppKind::kSet, "Set", "LAST=" + last);
            set.variable = "LAST";
            set.value = last;
            steps.push_back(std::move(set));
            steps.push_back(gotoIf(last == "1", "busy"));
            steps.push_back(gotoIf(last == "2", "noanswer"));
            steps.push_back(gotoIf(last == "3", "congestion"));
            steps.push_back(gotoIf(last == "4", "reject"));
            steps.push_back(gotoIf(last == "5", "unallocated"));
            auto go = app(AppKind::kGoto, "Goto", "sim,answer,1");
            go.jump = true;
            go.target_context = "sim";
            go.target_exten = "answer";
            steps.push_back(std::move(go));
        }
    }
    return steps;
}

bool Dialplan::exists(std::string_view context, std::string_view exten) const {
    return !extension(context, exten).empty();
}

std::optional<DialplanStep> Dialplan::step(std::string_view context, std::string_view exten,
                                           int priority) const {
    auto steps = extension(context, exten);
    if (priority < 1 || static_cast<std::size_t>(priority) > steps.size()) return std::nullopt;
    return steps[static_cast<std::size_t>(priority - 1)];
}

std::string_view outcomeName(Outcome outcome) {
    switch (outcome) {
        case Outcome::kAnswered:
            return "answered";
        case Outcome::kAnsweredLong:
            return "answered-long";
        case Outcome::kBusy:
            return "busy";
        case Outcome::kNoAnswer:
            return "no-answer";
        case Outcome::kCongestion:
            return "congestion";
        case Outcome::kRejected:
            return "rejected";
        case Outcome::kUnallocated:
            return "unallocated";
        case Outcome::kIvr:
            return "ivr";
        case Outcome::kNoSuchExtension:
            return "no-such-extension";
    }
    return "unknown";
}

Outcome planOutcome(const Dialplan& dialplan, std::string_view context_in,
                    std::string_view exten_in) {
    std::string context(context_in);
    std::string exten(exten_in);
    int priority = 1;
    for (int guard = 0; guard < 64; ++guard) {
        auto step = dialplan.step(context, exten, priority);
        if (!step) break;
        if ((step->kind == AppKind::kGotoIf || step->kind == AppKind::kGoto) && step->jump) {
            context = step->target_context;
            exten = step->target_exten;
            priority = step->target_priority;
            continue;
        }
        ++priority;
    }
    if (context == "sim") {
        if (exten == "answer") return Outcome::kAnswered;
        if (exten == "answer-long") return Outcome::kAnsweredLong;
        if (exten == "busy") return Outcome::kBusy;
        if (exten == "noanswer") return Outcome::kNoAnswer;
        if (exten == "congestion") return Outcome::kCongestion;
        if (exten == "reject") return Outcome::kRejected;
        if (exten == "unallocated") return Outcome::kUnallocated;
    } else if (context == "outbound-ivr" && exten == "s") {
        return Outcome::kIvr;
    }
    return Outcome::kNoSuchExtension;
}

Result<LocalEndpoint> parseEndpoint(std::string_view endpoint) {
    auto slash = endpoint.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= endpoint.size()) {
        return make_error_code(Errc::kInvalidEndpoint);
    }
    std::string tech(endpoint.substr(0, slash));
    for (auto& c : tech) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (tech != "local") return make_error_code(Errc::kAllocationFailed);
    std::string_view resource = endpoint.substr(slash + 1);
    LocalEndpoint local;
    if (auto options = resource.find('/'); options != std::string_view::npos) {
        local.options = std::string(resource.substr(options + 1));
        resource = resource.substr(0, options);
    }
    if (auto at = resource.find('@'); at != std::string_view::npos) {
        local.exten = std::string(resource.substr(0, at));
        local.context = std::string(resource.substr(at + 1));
    } else {
        local.exten = std::string(resource);
        local.context = "default";
    }
    return local;
}

}  // namespace ccapi::arisim
