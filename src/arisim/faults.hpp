// Injected faults that change how requests are answered: refused originates and slow responses.
// (Faults that act on connections and channels are AriSimulator methods.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "arisim/http_types.hpp"
#include "arisim/options.hpp"

namespace ccapi::arisim {

enum class RefusalMode {
    kRespond,  // answer with the given status and body
    kDrop,     // close the connection without a response (like the session limit)
    kHang,     // never answer
};

struct OriginateRefusal {
    RefusalMode mode = RefusalMode::kRespond;
    unsigned status = 500;
    std::string reason;  // empty: standard phrase
    std::string body = R"({"error":"Allocation failed"})";
    int count = -1;  // how many originates to refuse; -1: until cleared
};

struct ResponseDelay {
    Millis delay{0};
    std::string method;       // empty: any
    std::string path_prefix;  // empty: any
    int count = -1;           // -1: until cleared
};

// Single-threaded (the simulator's io_context).
class Faults {
public:
    void refuseOriginates(OriginateRefusal refusal) { refusal_ = std::move(refusal); }
    void delayResponses(ResponseDelay delay) { delay_ = std::move(delay); }
    void clear() {
        refusal_.reset();
        delay_.reset();
    }

    // The response that replaces the next originate, if one is configured (consumes one).
    std::optional<HttpResponse> takeOriginateRefusal();
    // How long to hold the response to this request (consumes one when it applies).
    Millis takeResponseDelay(std::string_view method, std::string_view path);

private:
    std::optional<OriginateRefusal> refusal_;
    std::optional<ResponseDelay> delay_;
};

}  // namespace ccapi::arisim
