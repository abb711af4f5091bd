#include "arisim/faults.hpp"

namespace ccapi::arisim {

std::optional<HttpResponse> Faults::takeOriginateRefusal() {
    if (!refusal_ || refusal_->count == 0) return std::nullopt;
    HttpResponse response = jsonResponse(refusal_->status, refusal_->body, refusal_->reason);
    response.drop = refusal_->mode == RefusalMode::kDrop;
    response.hang = refusal_->mode == RefusalMode::kHang;
    if (refusal_->count > 0 && --refusal_->count == 0) refusal_.reset();
    return response;
}

Millis Faults::takeResponseDelay(std::string_view method, std::string_view path) {
    if (!delay_ || delay_->count == 0) return Millis(0);
    if (!delay_->method.empty() && delay_->method != method) return Millis(0);
    if (!delay_->path_prefix.empty() &&
        path.substr(0, delay_->path_prefix.size()) != delay_->path_prefix) {
        return Millis(0);
    }
    Millis delay = delay_->delay;
    if (delay_->count > 0 && --delay_->count == 0) delay_.reset();
    return delay;
}

}  // namespace ccapi::arisim
