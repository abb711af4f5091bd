#include "arisim/dialplan.hpp"

#include <gtest/gtest.h>

#include "arisim/errors.hpp"

namespace ccapi::arisim {
namespace {

TEST(ReferenceDialplan, NamedDestinationsPlanTheirOutcome) {
    Dialplan dialplan;
    EXPECT_EQ(planOutcome(dialplan, "sim", "answer"), Outcome::kAnswered);
    EXPECT_EQ(planOutcome(dialplan, "sim", "answer-long"), Outcome::kAnsweredLong);
    EXPECT_EQ(planOutcome(dialplan, "sim", "busy"), Outcome::kBusy);
    EXPECT_EQ(planOutcome(dialplan, "sim", "noanswer"), Outcome::kNoAnswer);
    EXPECT_EQ(planOutcome(dialplan, "sim", "congestion"), Outcome::kCongestion);
    EXPECT_EQ(planOutcome(dialplan, "sim", "reject"), Outcome::kRejected);
    EXPECT_EQ(planOutcome(dialplan, "sim", "unallocated"), Outcome::kUnallocated);
    EXPECT_EQ(planOutcome(dialplan, "sim", "nosuchexten"), Outcome::kNoSuchExtension);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "s"), Outcome::kIvr);
}

TEST(ReferenceDialplan, ThePhoneNumbersLastDigitPicksTheOutcome) {
    Dialplan dialplan;
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230000"), Outcome::kAnswered);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230001"), Outcome::kBusy);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230002"), Outcome::kNoAnswer);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230003"), Outcome::kCongestion);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230004"), Outcome::kRejected);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230005"), Outcome::kUnallocated);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230006"), Outcome::kAnswered);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+15551230009"), Outcome::kAnswered);
}

TEST(ReferenceDialplan, OnlyPlusNumbersMatchTheIvrPattern) {
    Dialplan dialplan;
    // _+X. needs a '+', a digit and at least one more character.
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "15551230001"), Outcome::kNoSuchExtension);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+1"), Outcome::kNoSuchExtension);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", "+12"), Outcome::kNoAnswer);
    EXPECT_EQ(planOutcome(dialplan, "outbound-ivr", " 15551230001"), Outcome::kNoSuchExtension);
}

TEST(ReferenceDialplan, NumbersShowTheRecordedDialplanApplications) {
    Dialplan dialplan;
    auto steps = dialplan.extension("outbound-ivr", "+15551230003");
    ASSERT_EQ(steps.size(), 8u);
    EXPECT_EQ(steps[0].data, "outbound-ivr number +15551230003");
    EXPECT_EQ(steps[1].app, "Set");
    EXPECT_EQ(steps[1].data, "LAST=3");
    EXPECT_EQ(steps[2].data, "0?sim,busy,1");
    EXPECT_EQ(steps[4].data, "1?sim,congestion,1");
    EXPECT_EQ(steps[7].data, "sim,answer,1");
}

TEST(ReferenceDialplan, TimingsAreConfigurable) {
    DialplanTimes times;
    times.answer_after = Millis(250);
    times.hangup_after = Millis(1500);
    Dialplan dialplan(times);
    auto steps = dialplan.extension("sim", "answer");
    ASSERT_EQ(steps.size(), 6u);
    EXPECT_EQ(steps[2].data, "0.25");
    EXPECT_EQ(steps[2].wait, Millis(250));
    EXPECT_EQ(steps[4].data, "1.5");
    EXPECT_EQ(steps[5].app, "Hangup");
    EXPECT_EQ(steps[5].data, "");
}

TEST(LocalEndpoints, ParseExtensionContextAndOptions) {
    auto local = parseEndpoint("Local/answer@sim");
    ASSERT_TRUE(local);
    EXPECT_EQ(local->exten, "answer");
    EXPECT_EQ(local->context, "sim");
    auto with_options = parseEndpoint("local/+15551230000@outbound-ivr/n");
    ASSERT_TRUE(with_options);
    EXPECT_EQ(with_options->exten, "+15551230000");
    EXPECT_EQ(with_options->options, "n");
    auto no_context = parseEndpoint("Local/answer");
    ASSERT_TRUE(no_context);
    EXPECT_EQ(no_context->context, "default");
}

TEST(LocalEndpoints, OtherTechnologiesFailAllocationAndGarbageIsInvalid) {
    EXPECT_EQ(parseEndpoint("Foo/bar").error(), make_error_code(Errc::kAllocationFailed));
    EXPECT_EQ(parseEndpoint("PJSIP/100").error(), make_error_code(Errc::kAllocationFailed));
    EXPECT_EQ(parseEndpoint("nobody").error(), make_error_code(Errc::kInvalidEndpoint));
    EXPECT_EQ(parseEndpoint("Local/").error(), make_error_code(Errc::kInvalidEndpoint));
}

}  // namespace
}  // namespace ccapi::arisim
