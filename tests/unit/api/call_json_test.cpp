#include "api/call_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace ccapi::api {
namespace {

constexpr UnixMicros kAt = 1'763'772'026'000'000;  // 2025-11-22T00:40:26Z

storage::Call ringingCall() {
    storage::Call call;
    call.call_id = "c0ffee00-0000-4000-8000-000000000001";
    call.phone_number = "+15551230001";
    call.status = storage::CallStatus::kRinging;
    call.created_at = kAt;
    call.updated_at = kAt;
    return call;
}

storage::CallEvent ringingEvent() {
    return {.event_id = 42,
            .call_id = "c0ffee00-0000-4000-8000-000000000001",
            .seq = 3,
            .status = storage::CallStatus::kRinging,
            .previous_status = storage::CallStatus::kDialing,
            .at = kAt,
            .source = storage::EventSource::kAri,
            .detail = "ChannelStateChange Ringing"};
}

TEST(EventMessage, CarriesTheEventFieldsOnceWithTypeCallIdAndCall) {
    auto event = ringingEvent();
    auto message = eventMessage(ringingCall(), event);
    auto fields = eventToJson(event);

    EXPECT_EQ(message.at("type"), "call.status");
    EXPECT_EQ(message.at("call_id").as_string(), event.call_id);
    for (const auto& field : fields) {
        ASSERT_TRUE(message.contains(field.key())) << field.key();
        EXPECT_EQ(message.at(field.key()), field.value()) << field.key();
    }
    EXPECT_EQ(message.at("event_id"), 42);
    EXPECT_EQ(message.at("previous_status"), "dialing");
    EXPECT_EQ(message.size(), fields.size() + 3);  // + type, call_id, call
    const auto& call = message.at("call").as_object();
    EXPECT_EQ(call.at("call_id").as_string(), event.call_id);
    EXPECT_EQ(call.at("status"), "ringing");
    // One key, once, in the serialized text a webhook signs.
    auto text = boost::json::serialize(message);
    EXPECT_EQ(text.find("\"event_id\""), text.rfind("\"event_id\"")) << text;
}

TEST(EventMessage, FirstEventHasANullPreviousStatus) {
    auto event = ringingEvent();
    event.status = storage::CallStatus::kPending;
    event.previous_status.reset();
    auto message = eventMessage(ringingCall(), event);
    EXPECT_TRUE(message.at("previous_status").is_null());
    EXPECT_EQ(message.at("status"), "pending");
}

}  // namespace
}  // namespace ccapi::api
