#include "routing/router.hpp"

#include <gtest/gtest.h>

namespace ccapi::routing {
namespace {

using http::Verb;

Handler named(std::string) {
    return [](RequestContext&) -> Task<http::Reply> { co_return http::Reply{}; };
}

Router apiRouter() {
    Router r;
    r.add(Verb::get, "/health", named("health"));
    r.add(Verb::get, "/api/v2/calls", named("list"));
    r.add(Verb::post, "/api/v2/calls", named("create"));
    r.add(Verb::get, "/api/v2/calls/{call_id}", named("get"));
    r.add(Verb::delete_, "/api/v2/calls/{call_id}", named("delete"));
    r.add(Verb::get, "/api/v2/calls/{call_id}/events", named("events"));
    r.add(Verb::post, "/api/v2/interaction/{number}", named("interaction"));
    r.add(Verb::get, "/api/v2/interaction/{call_id}/status", named("status"));
    return r;
}

TEST(Router, MatchesStaticPaths) {
    auto r = apiRouter();
    auto m = r.match(Verb::get, "/health");
    ASSERT_NE(m.handler, nullptr);
    EXPECT_EQ(m.pattern, "/health");
    EXPECT_TRUE(m.params.empty());
}

TEST(Router, ExtractsPathParameters) {
    auto r = apiRouter();
    auto m = r.match(Verb::get, "/api/v2/calls/abc-123/events");
    ASSERT_NE(m.handler, nullptr);
    EXPECT_EQ(m.pattern, "/api/v2/calls/{call_id}/events");
    ASSERT_EQ(m.params.size(), 1u);
    EXPECT_EQ(m.params[0].name, "call_id");
    EXPECT_EQ(m.params[0].value(), "abc-123");
}

TEST(Router, OneSlotMayBeNamedDifferentlyByDifferentRoutes) {
    auto r = apiRouter();
    auto create = r.match(Verb::post, "/api/v2/interaction/+15550001");
    ASSERT_NE(create.handler, nullptr);
    EXPECT_EQ(create.params.at(0).name, "number");
    auto status = r.match(Verb::get, "/api/v2/interaction/abc/status");
    ASSERT_NE(status.handler, nullptr);
    EXPECT_EQ(status.params.at(0).name, "call_id");
}

TEST(Router, PercentDecodesParametersButKeepsPlus) {
    auto r = apiRouter();
    auto m = r.match(Verb::post, "/api/v2/interaction/%2B1%20555%200001");
    ASSERT_NE(m.handler, nullptr);
    EXPECT_EQ(m.params.at(0).value(), "+1 555 0001");
    EXPECT_EQ(r.match(Verb::post, "/api/v2/interaction/+1555").params.at(0).value(), "+1555");
}

TEST(Router, UnknownPathHasNoHandlerAndNoAllowedMethods) {
    auto r = apiRouter();
    auto m = r.match(Verb::get, "/api/v3/nothing");
    EXPECT_EQ(m.handler, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

TEST(Router, WrongMethodReportsTheAllowedOnes) {
    auto r = apiRouter();
    auto m = r.match(Verb::put, "/api/v2/calls/abc");
    EXPECT_EQ(m.handler, nullptr);
    ASSERT_EQ(m.allowed.size(), 2u);
    EXPECT_EQ(m.allowed[0], Verb::get);
    EXPECT_EQ(m.allowed[1], Verb::delete_);
}

TEST(Router, HeadIsServedByGet) {
    auto r = apiRouter();
    EXPECT_NE(r.match(Verb::head, "/health").handler, nullptr);
}

TEST(Router, TrailingAndDoubleSlashesAreIgnored) {
    auto r = apiRouter();
    EXPECT_NE(r.match(Verb::get, "/health/").handler, nullptr);
    EXPECT_NE(r.match(Verb::get, "//api//v2/calls").handler, nullptr);
}

TEST(Router, DuplicateRouteIsAProgrammingError) {
    Router r;
    r.add(Verb::get, "/x", named("a"));
    EXPECT_THROW(r.add(Verb::get, "/x", named("b")), std::logic_error);
}

TEST(Router, PrefixOfARouteIsNotARoute) {
    auto r = apiRouter();
    auto m = r.match(Verb::get, "/api/v2");
    EXPECT_EQ(m.handler, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

}  // namespace
}  // namespace ccapi::routing

#include "routing/request_context.hpp"

namespace ccapi::routing {
namespace {

TEST(RequestContext, QueryParametersAreDecodedAndAbsentOnesAreEmpty) {
    http::Request request{http::Verb::get, "/x", 11};
    http::ConnectionInfo info;
    RequestContext without{request, info, "/x", std::string_view{}};
    EXPECT_FALSE(without.queryParam("limit"));
    RequestContext with{request, info, "/x", "a=1&status=busy%2Cfailed&q=a+b&status=x"};
    EXPECT_EQ(with.queryParam("a"), "1");
    EXPECT_EQ(with.queryParam("q"), "a b");
    EXPECT_EQ(with.queryParams("status"), (std::vector<std::string>{"busy,failed", "x"}));
    EXPECT_FALSE(with.queryParam("missing"));
}

}  // namespace
}  // namespace ccapi::routing

#include "routing/percent_decode.hpp"

namespace ccapi::routing {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlusAndRefusesBrokenOnes) {
    EXPECT_EQ(percentDecode("a%20b+c"), "a b c");
    EXPECT_EQ(percentDecode("a+b", false), "a+b");
    EXPECT_EQ(percentDecode("%2B1555"), "+1555");
    EXPECT_EQ(percentDecode("313739"), "313739");  // nothing added at the end
    EXPECT_FALSE(percentDecode("%G1"));
    EXPECT_FALSE(percentDecode("abc%"));
    EXPECT_FALSE(percentDecode("abc%4"));
}

}  // namespace
}  // namespace ccapi::routing
