// Decodes ARI event frames into ChannelEvent (see ari/events.hpp). Never throws on bad input:
// a frame that is not a JSON object with a string "type" is reported as nullopt.
//
// Every event the PBX sends passes through here (tens of thousands a second under load), so the
// frame is read with Boost.JSON's SAX parser and only the dozen fields the engine needs are
// kept: no DOM is built. The result is what reading the parsed DOM would give: the same JSON
// is accepted (same parser, same options), the last of duplicate keys wins, and a field of the
// wrong type reads as absent.
#include <boost/json/basic_parser_impl.hpp>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "ari/events.hpp"

namespace ccapi::ari {

namespace {

namespace json = boost::json;

constexpr std::string_view kPeerSuffix = ";2";  // a Local channel's second half

EventKind kindOf(std::string_view type) {
    if (type == "ChannelStateChange") return EventKind::kChannelStateChange;
    if (type == "Dial") return EventKind::kDial;
    if (type == "StasisStart") return EventKind::kStasisStart;
    if (type == "StasisEnd") return EventKind::kStasisEnd;
    if (type == "ChannelHangupRequest") return EventKind::kChannelHangupRequest;
    if (type == "ChannelDestroyed") return EventKind::kChannelDestroyed;
    if (type == "ChannelVarset") return EventKind::kChannelVarset;
    if (type == "ApplicationReplaced") return EventKind::kApplicationReplaced;
    return EventKind::kOther;
}

// The fields read: of the event object (depth 1) and of its "channel"/"peer" object (depth 2).
enum class Field : unsigned char {
    kNone,
    kType,
    kDialstatus,
    kCause,
    kCauseTxt,
    kSoft,
    kVariable,
    kValue,
    kTimestamp,
    kChannel,
    kPeer,
    kId,     // in channel/peer
    kState,  // in channel/peer
};

Field topField(std::string_view key) {
    switch (key.size()) {
        case 2:
            break;
        case 4:
            if (key == "type") return Field::kType;
            if (key == "soft") return Field::kSoft;
            if (key == "peer") return Field::kPeer;
            break;
        case 5:
            if (key == "cause") return Field::kCause;
            if (key == "value") return Field::kValue;
            break;
        case 7:
            if (key == "channel") return Field::kChannel;
            break;
        case 8:
            if (key == "variable") return Field::kVariable;
            break;
        case 9:
            if (key == "cause_txt") return Field::kCauseTxt;
            if (key == "timestamp") return Field::kTimestamp;
            break;
        case 10:
            if (key == "dialstatus") return Field::kDialstatus;
            break;
        default:
            break;
    }
    return Field::kNone;
}

Field channelField(std::string_view key) {
    if (key == "id") return Field::kId;
    if (key == "state") return Field::kState;
    return Field::kNone;
}

struct ChannelFields {
    std::string id;
    std::string state;
};

// What the frame said, as the SAX events go by.
struct Fields {
    bool top_is_object = false;
    bool has_type = false;  // "type" (the last one) is a string
    std::string type;
    std::string dialstatus;
    std::optional<int> cause;
    std::string cause_txt;
    bool soft = false;
    std::string variable;
    std::string value;
    std::string timestamp;
    ChannelFields channel;  // "channel", when it is an object
    ChannelFields peer;     // "peer", when it is an object
};

class Handler {
public:
    static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    Fields fields;

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }

    bool on_object_begin(json::error_code&) {
        if (depth_ == 0) {
            fields.top_is_object = true;
        } else if (depth_ == 1) {
            // A nested object replaces whatever the key held before; channel/peer are read.
            inner_ = resetTop();
        } else {
            scalar();
        }
        ++depth_;
        return true;
    }
    bool on_object_end(std::size_t, json::error_code&) {
        --depth_;
        if (depth_ == 1) inner_ = nullptr;
        return true;
    }
    bool on_array_begin(json::error_code&) {
        scalar();
        ++depth_;
        return true;
    }
    bool on_array_end(std::size_t, json::error_code&) {
        --depth_;
        return true;
    }

    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        if (keyMatters()) scratch_.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        if (!keyMatters()) return true;
        std::string_view key(s.data(), s.size());
        if (!scratch_.empty()) {
            scratch_.append(s.data(), s.size());
            key = scratch_;
        }
        if (depth_ == 1) {
            top_ = topField(key);
        } else {
            inner_field_ = channelField(key);
        }
        scratch_.clear();
        return true;
    }

    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        if (stringTarget() != nullptr) scratch_.append(s.data(), s.size());
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        std::string* target = stringTarget();
        if (target == nullptr) {
            if (depth_ == 1) resetTop();
            return true;
        }
        if (scratch_.empty()) {
            target->assign(s.data(), s.size());
        } else {
            scratch_.append(s.data(), s.size());
            target->swap(scratch_);
            scratch_.clear();
        }
        if (depth_ == 1) {
            if (top_ == Field::kType) fields.has_type = true;
            if (top_ == Field::kCause) fields.cause.reset();
            if (top_ == Field::kSoft) fields.soft = false;
        }
        return true;
    }

    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
        if (isTopCause()) {
            fields.cause =
                i >= std::numeric_limits<int>::min() && i <= std::numeric_limits<int>::max()
                    ? std::optional<int>(static_cast<int>(i))
                    : std::nullopt;
        } else {
            scalar();
        }
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
        if (isTopCause()) {
            fields.cause = u <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())
                               ? std::optional<int>(static_cast<int>(u))
                               : std::nullopt;
        } else {
            scalar();
        }
        return true;
    }
    bool on_double(double d, json::string_view, json::error_code&) {
        if (isTopCause()) {
            // As json::value::to_number<int>: only a double that is exactly an int.
            const bool exact = d >= static_cast<double>(std::numeric_limits<int>::min()) &&
                               d <= static_cast<double>(std::numeric_limits<int>::max()) &&
                               static_cast<double>(static_cast<int>(d)) == d;
            fields.cause = exact ? std::optional<int>(static_cast<int>(d)) : std::nullopt;
        } else {
            scalar();
        }
        return true;
    }
    bool on_bool(bool b, json::error_code&) {
        if (depth_ == 1 && top_ == Field::kSoft) {
            fields.soft = b;
        } else {
            scalar();
        }
        return true;
    }
    bool on_null(json::error_code&) {
        scalar();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

private:
    bool keyMatters() const { return depth_ == 1 || (depth_ == 2 && inner_ != nullptr); }
    bool isTopCause() const { return depth_ == 1 && top_ == Field::kCause; }

    // Where a string value goes, or nullptr when nobody reads it.
    std::string* stringTarget() {
        if (depth_ == 2 && inner_ != nullptr) {
            if (inner_field_ == Field::kId) return &inner_->id;
            if (inner_field_ == Field::kState) return &inner_->state;
            return nullptr;
        }
        if (depth_ != 1) return nullptr;
        switch (top_) {
            case Field::kType:
                return &fields.type;
            case Field::kDialstatus:
                return &fields.dialstatus;
            case Field::kCauseTxt:
                return &fields.cause_txt;
            case Field::kVariable:
                return &fields.variable;
            case Field::kValue:
                return &fields.value;
            case Field::kTimestamp:
                return &fields.timestamp;
            case Field::kCause:
                return &scratch_value_;  // a string cause reads as absent (see on_string)
            case Field::kSoft:
                return &scratch_value_;
            default:
                return nullptr;
        }
    }

    // A value of another type than the field's: the field reads as absent.
    void scalar() {
        if (depth_ == 1) resetTop();
        if (depth_ == 2 && inner_ != nullptr) {
            if (inner_field_ == Field::kId) inner_->id.clear();
            if (inner_field_ == Field::kState) inner_->state.clear();
        }
    }

    // The top-level field under the current key gets a new value: forget the previous one.
    // Returns the channel/peer record to fill when the new value is their object.
    ChannelFields* resetTop() {
        switch (top_) {
            case Field::kType:
                fields.type.clear();
                fields.has_type = false;
                return nullptr;
            case Field::kDialstatus:
                fields.dialstatus.clear();
                return nullptr;
            case Field::kCause:
                fields.cause.reset();
                return nullptr;
            case Field::kCauseTxt:
                fields.cause_txt.clear();
                return nullptr;
            case Field::kSoft:
                fields.soft = false;
                return nullptr;
            case Field::kVariable:
                fields.variable.clear();
                return nullptr;
            case Field::kValue:
                fields.value.clear();
                return nullptr;
            case Field::kTimestamp:
                fields.timestamp.clear();
                return nullptr;
            case Field::kChannel:
                fields.channel = {};
                return &fields.channel;
            case Field::kPeer:
                fields.peer = {};
                return &fields.peer;
            default:
                return nullptr;
        }
    }

    int depth_ = 0;
    Field top_ = Field::kNone;          // the key of the current depth-1 value
    Field inner_field_ = Field::kNone;  // the key of the current channel/peer value
    ChannelFields* inner_ = nullptr;    // the channel/peer object being read (depth 2)
    std::string scratch_;               // a key or string that arrived in parts
    std::string scratch_value_;         // a string where a number or bool belongs
};

}  // namespace

std::optional<ChannelEvent> decodeEvent(std::string_view text) {
    json::basic_parser<Handler> parser(json::parse_options{});
    json::error_code ec;
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec || used != text.size() || !parser.done()) return std::nullopt;
    Fields& f = parser.handler().fields;
    if (!f.top_is_object || !f.has_type) return std::nullopt;

    ChannelEvent event;
    event.type = std::move(f.type);
    event.kind = kindOf(event.type);

    // ARI's Dial events for an originate name the dialled channel `peer` and carry no `caller`.
    ChannelFields& channel = event.kind == EventKind::kDial ? f.peer : f.channel;
    event.channel_id = std::move(channel.id);
    event.channel_state = std::move(channel.state);
    std::string_view id = event.channel_id;
    if (id.size() > kPeerSuffix.size() && id.ends_with(kPeerSuffix)) {
        event.peer_half = true;
        id.remove_suffix(kPeerSuffix.size());
    }
    event.call_id = std::string(id);

    event.dialstatus = std::move(f.dialstatus);
    event.cause = f.cause;
    event.cause_txt = std::move(f.cause_txt);
    event.soft = f.soft;
    event.variable = std::move(f.variable);
    event.value = std::move(f.value);
    if (!f.timestamp.empty()) event.timestamp = parseIso8601(f.timestamp);
    return event;
}

}  // namespace ccapi::ari
