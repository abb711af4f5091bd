#include "storage/webhook_models.hpp"

#include <gtest/gtest.h>

namespace ccapi::storage {
namespace {

using Urls = std::vector<std::string>;

Call callWithCallback(std::optional<std::string> url,
                      std::optional<std::vector<std::string>> events = std::nullopt) {
    Call call;
    call.call_id = "c0ffee00-0000-4000-8000-000000000001";
    call.status_callback = std::move(url);
    call.status_callback_events = std::move(events);
    return call;
}

TEST(DeliveryState, NamesRoundTrip) {
    for (DeliveryState state :
         {DeliveryState::kPending, DeliveryState::kDelivered, DeliveryState::kDead}) {
        EXPECT_EQ(parseDeliveryState(toString(state)), state);
    }
    EXPECT_EQ(toString(DeliveryState::kPending), "pending");
    EXPECT_EQ(toString(DeliveryState::kDelivered), "delivered");
    EXPECT_EQ(toString(DeliveryState::kDead), "dead");
    EXPECT_FALSE(parseDeliveryState("Pending"));
    EXPECT_FALSE(parseDeliveryState(""));
}

TEST(WebhookTargets, CallbackWithoutAnEventListGetsEveryStatus) {
    Call call = callWithCallback("https://a.example/hook");
    for (CallStatus status : {CallStatus::kPending, CallStatus::kRinging, CallStatus::kCanceled}) {
        EXPECT_EQ(webhookTargets(call, status, std::nullopt), Urls{"https://a.example/hook"});
    }
}

TEST(WebhookTargets, CallbackWithAnEventListGetsOnlyThoseStatuses) {
    Call call = callWithCallback("https://a.example/hook", Urls{"answered", "no_answer"});
    EXPECT_EQ(webhookTargets(call, CallStatus::kAnswered, std::nullopt),
              Urls{"https://a.example/hook"});
    EXPECT_EQ(webhookTargets(call, CallStatus::kNoAnswer, std::nullopt),
              Urls{"https://a.example/hook"});
    EXPECT_TRUE(webhookTargets(call, CallStatus::kRinging, std::nullopt).empty());
    EXPECT_TRUE(webhookTargets(call, CallStatus::kCompleted, std::nullopt).empty());
}

TEST(WebhookTargets, AnEmptyEventListSubscribesToNothing) {
    Call call = callWithCallback("https://a.example/hook", Urls{});
    EXPECT_TRUE(webhookTargets(call, CallStatus::kCompleted, std::nullopt).empty());
    EXPECT_EQ(webhookTargets(call, CallStatus::kCompleted, "https://global.example/"),
              Urls{"https://global.example/"});
}

TEST(WebhookTargets, GlobalUrlGetsEveryStatusOfEveryCall) {
    Call none = callWithCallback(std::nullopt);
    Call filtered = callWithCallback("https://a.example/hook", Urls{"completed"});
    for (CallStatus status : {CallStatus::kPending, CallStatus::kDialing, CallStatus::kFailed}) {
        EXPECT_EQ(webhookTargets(none, status, "https://global.example/"),
                  Urls{"https://global.example/"});
        EXPECT_EQ(webhookTargets(filtered, status, "https://global.example/"),
                  Urls{"https://global.example/"});
    }
    EXPECT_EQ(webhookTargets(filtered, CallStatus::kCompleted, "https://global.example/"),
              (Urls{"https://a.example/hook", "https://global.example/"}));
}

TEST(WebhookTargets, AUrlNamedTwiceIsDeliveredOnce) {
    Call call = callWithCallback("https://same.example/hook");
    EXPECT_EQ(webhookTargets(call, CallStatus::kAnswered, "https://same.example/hook"),
              Urls{"https://same.example/hook"});
}

TEST(WebhookTargets, NoCallbackAndNoGlobalUrlIsNobody) {
    EXPECT_TRUE(webhookTargets(callWithCallback(std::nullopt), CallStatus::kAnswered, std::nullopt)
                    .empty());
}

// The commit path asks hasWebhookTargets() for every event; it must say exactly whether
// webhookTargets() would enqueue anything.
TEST(WebhookTargets, HasWebhookTargetsAgreesWithTheListInEveryCase) {
    const std::vector<Call> calls{
        callWithCallback(std::nullopt),
        callWithCallback(""),
        callWithCallback("https://a.example/hook"),
        callWithCallback("https://a.example/hook", Urls{}),
        callWithCallback("https://a.example/hook", Urls{"answered", "failed"}),
        callWithCallback("", Urls{"answered"}),
    };
    const std::vector<std::optional<std::string>> globals{std::nullopt, std::string(),
                                                          "https://global.example/"};
    int with_targets = 0;
    for (const auto& call : calls) {
        for (const auto& global : globals) {
            for (CallStatus status : {CallStatus::kPending, CallStatus::kAnswered,
                                      CallStatus::kFailed, CallStatus::kCompleted}) {
                const bool listed = !webhookTargets(call, status, global).empty();
                EXPECT_EQ(hasWebhookTargets(call, status, global), listed)
                    << "callback " << call.status_callback.value_or("(none)") << ", global "
                    << global.value_or("(none)") << ", status " << toString(status);
                with_targets += listed;
            }
        }
    }
    EXPECT_GT(with_targets, 0);  // the matrix has both answers
    EXPECT_LT(with_targets, static_cast<int>(calls.size() * globals.size() * 4));
}

}  // namespace
}  // namespace ccapi::storage
