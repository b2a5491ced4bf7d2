// What one link publishes reaches a second link subscribed to the channel byte for byte
// (every byte value including NUL, and 1 MiB), and an unsubscribed channel is no longer
// delivered. Two RedisLinks against a redis-server the test starts.
#include <gtest/gtest.h>

#include "link_probe.h"
#include "redis_server.h"

namespace spread::plugins::redis::testing {
namespace {

class PublishSubscribeTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }
  RedisServer server_;
};

TEST_F(PublishSubscribeTest, DeliversTheExactBytesIncludingNulAndOneMebibyte) {
  const std::string channel("room\0binary", 11);
  LinkProbe subscriber(testOptions(server_.port()));
  LinkProbe publisher(testOptions(server_.port()));
  subscriber.link().subscribe(channel);
  ASSERT_TRUE(subscriber.awaitSubscribed(channel));
  ASSERT_TRUE(publisher.awaitConnected());

  std::string everyByte;
  for (int i = 0; i < 256; ++i) everyByte += static_cast<char>(i);
  everyByte += std::string("\0\r\n$-1\r\n", 8);
  std::string mebibyte(1 << 20, '\0');
  for (std::size_t i = 0; i < mebibyte.size(); ++i) mebibyte[i] = static_cast<char>((i * 131) % 251);

  auto first = publisher.publishAndWait(channel, everyByte);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->published) << first->failure;
  EXPECT_EQ(first->receivers, 1);
  auto second = publisher.publishAndWait(channel, mebibyte);
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->published) << second->failure;

  ASSERT_TRUE(subscriber.awaitMessages(2));
  auto messages = subscriber.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].first, channel);
  EXPECT_TRUE(messages[0].second == everyByte);
  EXPECT_EQ(messages[1].first, channel);
  EXPECT_EQ(messages[1].second.size(), mebibyte.size());
  EXPECT_TRUE(messages[1].second == mebibyte);
}

TEST_F(PublishSubscribeTest, AnUnsubscribedChannelIsNoLongerDelivered) {
  LinkProbe subscriber(testOptions(server_.port()));
  LinkProbe publisher(testOptions(server_.port()));
  subscriber.link().subscribe("old");
  ASSERT_TRUE(subscriber.awaitSubscribed("old"));
  // The link sends unsubscribes before subscribes, so once "new" is confirmed "old" is gone.
  subscriber.link().unsubscribe("old");
  subscriber.link().subscribe("new");
  ASSERT_TRUE(subscriber.awaitSubscribed("new"));
  ASSERT_TRUE(publisher.awaitConnected());

  auto toOld = publisher.publishAndWait("old", "lost");
  ASSERT_TRUE(toOld.has_value());
  EXPECT_TRUE(toOld->published);
  EXPECT_EQ(toOld->receivers, 0);
  auto toNew = publisher.publishAndWait("new", "kept");
  ASSERT_TRUE(toNew.has_value());
  EXPECT_EQ(toNew->receivers, 1);
  ASSERT_TRUE(subscriber.awaitMessages(1));
  auto messages = subscriber.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], std::make_pair(std::string("new"), std::string("kept")));
}

TEST_F(PublishSubscribeTest, ALinkReceivesWhatItPublishesItself) {
  // The engine's shape: each node publishes once and fans out what comes back.
  LinkProbe node(testOptions(server_.port()));
  node.link().subscribe("topic");
  ASSERT_TRUE(node.awaitSubscribed("topic"));
  ASSERT_TRUE(node.awaitConnected());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(node.link().publish("topic", std::to_string(i), nullptr), PublishAdmission::kAccepted);
  }
  ASSERT_TRUE(node.awaitMessages(100));
  auto messages = node.messages();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(messages[static_cast<std::size_t>(i)].second, std::to_string(i));
  EXPECT_TRUE(node.await([&] { return node.link().pendingCount() == 0; }));
}

}  // namespace
}  // namespace spread::plugins::redis::testing
