// The reference dialplan of traces/README.md ([sim], [outbound-ivr]) as data, outcome planning,
// and parsing of the Local endpoints that dial into it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arisim/options.hpp"
#include "core/result.hpp"

namespace ccapi::arisim {

enum class AppKind {
    kNoOp,
    kRinging,
    kWait,
    kAnswer,
    kBusy,
    kCongestion,
    kHangup,
    kSet,
    kGotoIf,
    kGoto
};

// One priority of an extension, with its arguments already evaluated (${EXTEN}, ${LAST}).
struct DialplanStep {
    AppKind kind = AppKind::kNoOp;
    std::string app;   // as shown in ChannelDialplan.dialplan_app, e.g. "Wait"
    std::string data;  // dialplan_app_data, e.g. "1" or "0?sim,busy,1"
    Millis wait{0};    // kWait
    int cause = 0;     // kHangup: 0 when Hangup() has no argument
    std::string variable;
    std::string value;  // kSet
    bool jump = false;  // kGotoIf: the condition held; kGoto: always
    std::string target_context;
    std::string target_exten;
    int target_priority = 1;
};

struct DialplanTimes {
    Millis answer_after{1000};
    Millis hangup_after{2000};
    Millis answer_long_hold{20000};
    Millis ivr_hold{2000};
    Millis noanswer_ring{120000};
};

DialplanTimes dialplanTimes(const SimulatorOptions& options);

// Immutable after construction; pure lookups.
class Dialplan {
public:
    explicit Dialplan(DialplanTimes times = {});

    bool exists(std::string_view context, std::string_view exten) const;
    // The step at `priority` (1-based), or nullopt past the end / for an unknown extension.
    std::optional<DialplanStep> step(std::string_view context, std::string_view exten,
                                     int priority) const;
    std::vector<DialplanStep> extension(std::string_view context, std::string_view exten) const;

private:
    DialplanTimes times_;
};

// What a call to <exten>@<context> ends as, following the extension's Goto/GotoIf jumps.
enum class Outcome {
    kAnswered,      // sim,answer: ring, answer, callee hangs up after hangup_after
    kAnsweredLong,  // sim,answer-long
    kBusy,
    kNoAnswer,  // rings until the originate timeout
    kCongestion,
    kRejected,     // Hangup(21)
    kUnallocated,  // Hangup(1)
    kIvr,          // outbound-ivr,s: answers at once, hangs up after ivr_hold
    kNoSuchExtension,
};

std::string_view outcomeName(Outcome outcome);
Outcome planOutcome(const Dialplan& dialplan, std::string_view context, std::string_view exten);

// "Local/<exten>@<context>[/options]"
struct LocalEndpoint {
    std::string exten;
    std::string context;
    std::string options;
};

// Errc::kInvalidEndpoint when tech or resource is empty (400), Errc::kAllocationFailed for a
// technology other than Local (500, like an unloaded channel driver).
Result<LocalEndpoint> parseEndpoint(std::string_view endpoint);

}  // namespace ccapi::arisim
