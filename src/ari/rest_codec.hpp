// ARI REST bodies and answers as values: the originate JSON, the mapping of an HTTP answer to a
// RestOutcome, the channel list. Pure functions, so they are unit-tested without a network.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ari/client.hpp"

namespace ccapi::ari {

// POST /channels body: {endpoint, app, channelId, callerId (only when set), timeout, variables}.
// Variables travel as a JSON object in the body, never in the query string, so values with
// '&', '=' or non-ASCII text arrive intact.
std::string originateBody(const OriginateRequest& request, std::string_view app);

// 2xx → kOk with the body; 4xx/5xx → kRefused with Asterisk's {"message"} or {"error"} (the raw
// body, shortened, when it is not one of those). Anything else is kRefused too: Asterisk never
// answers 1xx/3xx to these requests, so such an answer means something else is listening.
RestOutcome outcomeFromHttp(unsigned status, std::string_view reason, std::string body);

// A request that never got an HTTP answer.
RestOutcome unreachable(std::string why);

// Whether an outcome counts against the circuit breaker: no HTTP answer at all, or a 502/503/
// 504 (a proxy in front of Asterisk saying Asterisk is not there). Every other answer — the
// 500 {"error":"Allocation failed"} included — shows a live PBX refusing one request: counting
// those would let one bad endpoint template stop every call.
bool countsAsFailure(const RestOutcome& outcome);

// GET /channels body → snapshots; nullopt when it is not an array of channel objects.
std::optional<std::vector<ChannelSnapshot>> parseChannels(std::string_view body);

}  // namespace ccapi::ari
