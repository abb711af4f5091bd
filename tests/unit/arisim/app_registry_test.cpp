#include "arisim/app_registry.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "arisim/event_hub.hpp"

namespace ccapi::arisim {
namespace {

TEST(AppRegistry, ASecondSocketReplacesTheFirst) {
    AppRegistry apps;
    EXPECT_EQ(apps.attach("contactcenter", 1, false), 0u);
    EXPECT_EQ(apps.attach("contactcenter", 2, false), 1u);
    EXPECT_EQ(apps.socketOf("contactcenter"), 2u);
    // The replaced socket closing changes nothing; the new one closing unregisters the app.
    apps.detach(1);
    EXPECT_TRUE(apps.isActive("contactcenter"));
    apps.detach(2);
    EXPECT_FALSE(apps.exists("contactcenter"));
    EXPECT_EQ(boost::json::serialize(apps.list()), "[]");
}

TEST(AppRegistry, AnAppWithChannelsOutlivesItsSocket) {
    AppRegistry apps;
    apps.attach("contactcenter", 1, false);
    apps.subscribe("contactcenter", "call1");
    apps.subscribe("contactcenter", "call1;2");
    apps.detach(1);
    ASSERT_TRUE(apps.exists("contactcenter"));
    EXPECT_FALSE(apps.isActive("contactcenter"));
    EXPECT_EQ(
        boost::json::serialize(*apps.get("contactcenter")),
        R"j({"name":"contactcenter","channel_ids":["call1","call1;2"],"bridge_ids":[],)j"
        R"j("endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]})j");
    apps.unsubscribeChannel("call1");
    apps.unsubscribeChannel("call1;2");
    EXPECT_FALSE(apps.exists("contactcenter"));
}

TEST(AppRegistry, SubscribeAllAppsListTheAllTopics) {
    AppRegistry apps;
    apps.attach("observer", 3, true);
    auto json = boost::json::serialize(*apps.get("observer"));
    EXPECT_NE(json.find(R"j("channel_ids":["__AST_CHANNEL_ALL_TOPIC"])j"), std::string::npos);
    EXPECT_NE(json.find(R"j("device_names":["__AST_DEVICE_STATE_ALL_TOPIC"])j"), std::string::npos);
}

TEST(EventRecipients, SubscribersAndSubscribeAllSocketsButNotInactiveApps) {
    AppRegistry apps;
    apps.attach("contactcenter", 1, false);
    apps.attach("other", 2, false);
    apps.attach("observer", 3, true);
    apps.subscribe("contactcenter", "c1");
    Event e;
    e.channel_id = "c1";
    auto to = recipients(e, apps);
    ASSERT_EQ(to.size(), 2u);
    EXPECT_EQ(to[0]->name, "contactcenter");
    EXPECT_EQ(to[1]->name, "observer");

    e.audience = Audience::kStasisApp;
    e.app = "contactcenter";
    to = recipients(e, apps);
    ASSERT_EQ(to.size(), 1u);
    EXPECT_EQ(to[0]->name, "contactcenter");

    apps.release("contactcenter");
    e.audience = Audience::kSubscribers;
    to = recipients(e, apps);
    ASSERT_EQ(to.size(), 1u);
    EXPECT_EQ(to[0]->name, "observer");
}

}  // namespace
}  // namespace ccapi::arisim
