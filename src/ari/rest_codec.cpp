#include "ari/rest_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace ccapi::ari {
namespace {

constexpr std::size_t kMaxMessage = 200;

std::string messageOf(std::string_view body, std::string_view reason, unsigned status) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (!ec && value.is_object()) {
        const auto& object = value.get_object();
        for (const char* key : {"message", "error"}) {
            if (const auto* field = object.if_contains(key); field && field->is_string()) {
                return std::string(field->get_string());
            }
        }
    }
    std::string text(body.substr(0, kMaxMessage));
    if (text.empty()) text = reason.empty() ? "HTTP " + std::to_string(status) : reason;
    return text;
}

}  // namespace

std::string originateBody(const OriginateRequest& request, std::string_view app) {
    boost::json::object body;
    body["endpoint"] = request.endpoint;
    body["app"] = app;
    body["channelId"] = request.channel_id;
    if (!request.caller_id.empty()) body["callerId"] = request.caller_id;
    body["timeout"] = request.timeout_s;
    boost::json::object variables;
    for (const auto& [name, value] : request.variables) variables[name] = value;
    body["variables"] = std::move(variables);
    return boost::json::serialize(body);
}

RestOutcome outcomeFromHttp(unsigned status, std::string_view reason, std::string body) {
    RestOutcome outcome;
    outcome.status = status;
    if (status >= 200 && status < 300) {
        outcome.kind = RestOutcome::Kind::kOk;
        outcome.body = std::move(body);
        return outcome;
    }
    outcome.kind = RestOutcome::Kind::kRefused;
    outcome.message = messageOf(body, reason, status);
    return outcome;
}

RestOutcome unreachable(std::string why) {
    RestOutcome outcome;
    outcome.kind = RestOutcome::Kind::kUnreachable;
    outcome.message = std::move(why);
    return outcome;
}

bool countsAsFailure(const RestOutcome& outcome) {
    if (outcome.kind == RestOutcome::Kind::kUnreachable) return true;
    return outcome.kind == RestOutcome::Kind::kRefused &&
           (outcome.status == 502 || outcome.status == 503 || outcome.status == 504);
}

std::optional<std::vector<ChannelSnapshot>> parseChannels(std::string_view body) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_array()) return std::nullopt;
    std::vector<ChannelSnapshot> channels;
    channels.reserve(value.get_array().size());
    for (const auto& item : value.get_array()) {
        const auto* object = item.if_object();
        if (!object) return std::nullopt;
        const auto* id = object->if_contains("id");
        if (!id || !id->is_string()) return std::nullopt;
        ChannelSnapshot snapshot;
        snapshot.id = std::string(id->get_string());
        if (const auto* name = object->if_contains("name"); name && name->is_string()) {
            snapshot.name = std::string(name->get_string());
        }
        if (const auto* state = object->if_contains("state"); state && state->is_string()) {
            snapshot.state = std::string(state->get_string());
        }
        channels.push_back(std::move(snapshot));
    }
    return channels;
}

}  // namespace ccapi::ari
