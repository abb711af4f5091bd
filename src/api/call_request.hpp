// The body of a call-creation request: parsing, defaults and validation (SPEC §2 "Validation").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "routing/responses.hpp"

namespace ccapi::api {

struct CallDefaults {
    std::string context = "outbound-ivr";
    std::string extension = "s";
    int priority = 1;
    int timeout_ms = 30000;
    std::string caller_id;
};

struct CallRequest {
    std::string phone_number;  // normalised E.164
    std::string context;
    std::string extension;
    int priority = 1;
    int timeout_ms = 30000;
    std::string caller_id;
    std::map<std::string, std::string> variables;
    std::optional<std::string> status_callback;
    std::optional<std::vector<std::string>> status_callback_events;
};

// Why a body was refused: malformed JSON or wrong types are 422 in FastAPI's shape; values that
// parse but break a rule are 400 with a detail naming the field.
struct RequestProblem {
    unsigned status = 400;
    std::string detail;                       // for 400
    std::vector<routing::FieldError> errors;  // for 422
};

// `path_number` is the {number}/{target} of the path; nullopt when the number is in the body
// (`phone_number`, POST /api/v2/calls).
std::variant<CallRequest, RequestProblem> parseCallRequest(
    std::string_view body, const std::optional<std::string>& path_number,
    const CallDefaults& defaults);

// Strips spaces, '-', '.', '(' and ')'; nullopt unless the rest matches ^\+\d{7,15}$.
std::optional<std::string> normalizePhoneNumber(std::string_view raw);

// A stable digest of the effective request, to tell an idempotent replay from a conflict.
std::string requestHash(const CallRequest& request);

// True when an http(s) `url` names this service: a loopback, unspecified or "localhost" host on
// `service_port` (so a webhook cannot make the service POST to itself in a loop).
bool pointsAtService(std::string_view url, unsigned short service_port);

}  // namespace ccapi::api
