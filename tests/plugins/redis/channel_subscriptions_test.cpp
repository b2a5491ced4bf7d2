// The wanted-versus-confirmed bookkeeping without sockets: what reconcile() sends, in which
// order, when the link counts as resubscribed, and which confirmation is overdue.
#include <gtest/gtest.h>

#include "channel_subscriptions.h"

namespace spread::plugins::redis {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::string> channelsOf(const std::vector<ChannelSubscriptions::Change>& changes, bool subscribe) {
  std::vector<std::string> channels;
  for (const auto& change : changes) {
    if (change.subscribe == subscribe) channels.insert(channels.end(), change.channels.begin(), change.channels.end());
  }
  return channels;
}

TEST(ChannelSubscriptionsTest, AReadyConnectionSubscribesEverythingWantedAndIsSyncedWhenAllAreConfirmed) {
  ChannelSubscriptions subscriptions;
  subscriptions.want({"a", "b"});
  auto changes = subscriptions.reconcile(Clock::now() + milliseconds(100), true);
  EXPECT_EQ(channelsOf(changes, true), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(subscriptions.synced());
  EXPECT_TRUE(subscriptions.subscribeConfirmed("a"));
  EXPECT_FALSE(subscriptions.synced());
  EXPECT_TRUE(subscriptions.subscribeConfirmed("b"));
  EXPECT_TRUE(subscriptions.synced());
  EXPECT_TRUE(subscriptions.reconcile(Clock::now(), false).empty()) << "nothing sent twice";
}

TEST(ChannelSubscriptionsTest, UnsubscribesAreSentBeforeSubscribes) {
  ChannelSubscriptions subscriptions;
  subscriptions.want({"old"});
  subscriptions.reconcile(Clock::now() + milliseconds(100), true);
  subscriptions.subscribeConfirmed("old");
  subscriptions.want({"new"});
  auto changes = subscriptions.reconcile(Clock::now() + milliseconds(100), false);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_FALSE(changes[0].subscribe);
  EXPECT_EQ(changes[0].channels, std::vector<std::string>{"old"});
  EXPECT_TRUE(changes[1].subscribe);
  EXPECT_EQ(changes[1].channels, std::vector<std::string>{"new"});
}

TEST(ChannelSubscriptionsTest, AChannelInFlightWaitsForItsConfirmationBeforeTurningBack) {
  ChannelSubscriptions subscriptions;
  subscriptions.want({"x"});
  subscriptions.reconcile(Clock::now() + milliseconds(100), false);
  subscriptions.want({});
  EXPECT_TRUE(subscriptions.reconcile(Clock::now(), false).empty()) << "SUBSCRIBE x not confirmed yet";
  EXPECT_FALSE(subscriptions.subscribeConfirmed("x")) << "confirmed, but no longer wanted";
  EXPECT_EQ(channelsOf(subscriptions.reconcile(Clock::now(), false), false), std::vector<std::string>{"x"});
  subscriptions.want({"x"});
  EXPECT_TRUE(subscriptions.reconcile(Clock::now(), false).empty()) << "UNSUBSCRIBE x not confirmed yet";
  subscriptions.unsubscribeConfirmed("x");
  EXPECT_EQ(channelsOf(subscriptions.reconcile(Clock::now(), false), true), std::vector<std::string>{"x"});
}

TEST(ChannelSubscriptionsTest, ALostConnectionStartsOver) {
  ChannelSubscriptions subscriptions;
  subscriptions.want({"a"});
  subscriptions.reconcile(Clock::now() + milliseconds(100), true);
  subscriptions.subscribeConfirmed("a");
  subscriptions.connectionLost();
  EXPECT_EQ(channelsOf(subscriptions.reconcile(Clock::now() + milliseconds(100), true), true),
            std::vector<std::string>{"a"});
  EXPECT_FALSE(subscriptions.synced());
}

TEST(ChannelSubscriptionsTest, TheOldestUnconfirmedChannelIsOverdueAtItsDeadline) {
  ChannelSubscriptions subscriptions;
  auto start = Clock::now();
  subscriptions.want({"a", "b"});
  subscriptions.reconcile(start + milliseconds(100), true);
  EXPECT_EQ(subscriptions.nextDeadline(), start + milliseconds(100));
  EXPECT_EQ(subscriptions.overdue(start + milliseconds(99)), std::nullopt);
  subscriptions.subscribeConfirmed("a");
  EXPECT_EQ(subscriptions.overdue(start + milliseconds(100)), std::optional<std::string>("b"));
  subscriptions.subscribeConfirmed("b");
  EXPECT_EQ(subscriptions.overdue(start + milliseconds(1000)), std::nullopt);
  EXPECT_EQ(subscriptions.nextDeadline(), std::nullopt);
}

TEST(ChannelSubscriptionsTest, ManyChannelsAreSentInBoundedCommands) {
  ChannelSubscriptions subscriptions;
  std::set<std::string> many;
  for (int i = 0; i < 1500; ++i) many.insert("c" + std::to_string(i));
  subscriptions.want(many);
  auto changes = subscriptions.reconcile(Clock::now(), true);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].channels.size(), 512u);
  EXPECT_EQ(changes[2].channels.size(), 1500u - 1024u);
}

}  // namespace
}  // namespace spread::plugins::redis
