// Proves that the broker frees a topic nobody uses, so broker.topicsMax bounds the rooms in use
// and not the names ever used: only an idle, unheld topic is freed, after its linger (at once
// when a new name needs room), the reserved topic is never locked out, and no timer runs
// forever. Runs on virtual time (ManualClock and ManualExecutor).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "spread/core/handler_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using std::chrono::milliseconds;
using test::VirtualBroker;
using Status = TopicLookup::Status;

constexpr Duration kLinger = milliseconds(1000);

BrokerOptions options(std::size_t topicsMax, Duration linger = kLinger, std::string reserved = "chat") {
  BrokerOptions out;
  out.topicsMax = topicsMax;
  out.topicLinger = linger;
  out.reservedTopic = std::move(reserved);
  return out;
}

// Subscribes to `name` and unsubscribes again, keeping no pointer to the topic.
void visit(Broker& broker, const std::string& name) {
  TopicLookup lookup = broker.topic(name);
  ASSERT_TRUE(lookup.ok()) << name << ": " << lookup.error;
  SubscribeResult subscribed = lookup.topic->subscribe(std::make_shared<QueueSubscriber>(test::roomyQueue()));
  ASSERT_TRUE(subscribed.ok());
  ASSERT_TRUE(subscribed.handle.unsubscribe());
}

// A subscriber on `name` that stays, and says whether a message reaches it.
struct Listener {
  std::shared_ptr<QueueSubscriber> queue = std::make_shared<QueueSubscriber>(test::roomyQueue());
  SubscriptionHandle handle;

  static Listener on(VirtualBroker& env, const std::string& name) {
    Listener listener;
    std::shared_ptr<Topic> topic = env.topic(name);
    if (topic == nullptr) return listener;  // env.topic() failed the test already
    SubscribeResult subscribed = topic->subscribe(listener.queue);
    EXPECT_TRUE(subscribed.ok());
    listener.handle = subscribed.handle;
    return listener;
  }
};

void publishTo(VirtualBroker& env, const std::string& name, const std::string& text) {
  std::shared_ptr<Topic> topic = env.broker.find(name);
  ASSERT_NE(topic, nullptr) << name;
  ASSERT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  env.executor.runUntilIdle();
}

TEST(TopicFreeingTest, ElevenHundredRoomsThatCameAndWentLeaveRoomForANewOneAndTheDefault) {
  VirtualBroker env{options(1024)};
  // No virtual time passes: once the limit is reached, every new name frees the idle ones.
  for (int i = 1; i <= 1100; ++i) visit(env.broker, "j" + std::to_string(i));
  EXPECT_LE(env.broker.topicNames().size(), 1024u);

  Listener room = Listener::on(env, "fresh-room");
  Listener lobby = Listener::on(env, "chat");
  publishTo(env, "fresh-room", "to the room");
  publishTo(env, "chat", "to the lobby");
  EXPECT_THAT(test::drainBytes(*room.queue), ElementsAre("to the room"));
  EXPECT_THAT(test::drainBytes(*lobby.queue), ElementsAre("to the lobby"));

  // After the linger the sweep frees the rest; the rooms in use stay.
  env.executor.advanceBy(kLinger);
  EXPECT_THAT(env.broker.topicNames(), ElementsAre("chat", "fresh-room"));
}

TEST(TopicFreeingTest, ATopicIsFreedOnlyOnceItsLingerHasPassed) {
  VirtualBroker env{options(8)};
  visit(env.broker, "early");
  env.executor.advanceBy(milliseconds(500));
  visit(env.broker, "late");

  env.executor.advanceBy(milliseconds(499));
  EXPECT_NE(env.broker.find("early"), nullptr) << "freed before its linger";
  env.executor.advanceBy(milliseconds(1));
  EXPECT_EQ(env.broker.find("early"), nullptr) << "not freed after its linger";
  EXPECT_NE(env.broker.find("late"), nullptr) << "freed with the other topic's sweep, 500 ms early";
  env.executor.advanceBy(milliseconds(500));
  EXPECT_EQ(env.broker.find("late"), nullptr);
  EXPECT_EQ(env.executor.pending(), 0u) << "no timer is left running";
}

TEST(TopicFreeingTest, AZeroLingerFreesOnTheExecutorsNextTurn) {
  VirtualBroker env{options(8, Duration::zero())};
  visit(env.broker, "room");
  env.executor.runUntilIdle();
  EXPECT_EQ(env.broker.find("room"), nullptr);
}

TEST(TopicFreeingTest, AClientComingBackWithinTheLingerFindsTheSameTopic) {
  VirtualBroker env{options(8)};
  Listener first = Listener::on(env, "room");
  publishTo(env, "room", "1");
  first.handle.unsubscribe();
  env.executor.advanceBy(milliseconds(999));
  Listener second = Listener::on(env, "room");
  publishTo(env, "room", "2");
  env.executor.advanceBy(kLinger * 2);
  const std::vector<MessagePtr> got = second.queue->popUpTo(8);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->sequence(), 2u) << "the topic's log went on";
  EXPECT_NE(env.broker.find("room"), nullptr) << "a topic with a subscriber was freed";
}

TEST(TopicFreeingTest, AFreedTopicIsGoneAndItsNameMakesAFreshOne) {
  VirtualBroker env{options(8)};
  std::weak_ptr<Topic> old;
  {
    std::shared_ptr<Topic> topic = env.topic("room");
    old = topic;
    ASSERT_TRUE(topic->subscribe(std::make_shared<QueueSubscriber>(test::roomyQueue())).handle.unsubscribe());
    ASSERT_EQ(topic->tryPublish(Payload::raw("unheard")), PublishOutcome::kAccepted);
  }
  env.executor.advanceBy(kLinger);
  EXPECT_TRUE(old.expired()) << "the broker still owns the freed topic";
  EXPECT_EQ(env.broker.find("room"), nullptr);
  EXPECT_THAT(env.broker.topicNames(), IsEmpty());
  TopicLookup again = env.broker.topic("room");
  EXPECT_EQ(again.status, Status::kCreated);
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(again.topic->stats().accepted, 0u);
}

TEST(TopicFreeingTest, ATopicACallerHoldsIsNeverFreedAndNoTimerRunsForever) {
  VirtualBroker env{options(1)};
  std::shared_ptr<Topic> held = env.topic("held");
  ASSERT_TRUE(held->subscribe(std::make_shared<QueueSubscriber>(test::roomyQueue())).handle.unsubscribe());
  std::size_t sweeps = 0;
  while (env.executor.runNext()) ASSERT_LE(++sweeps, Broker::kSweepRetriesMax + 1) << "the sweep never stops";
  EXPECT_EQ(env.broker.find("held"), held);
  EXPECT_EQ(env.broker.topic("held").status, Status::kFound) << "one name split into two topics";
  TopicLookup refused = env.broker.topic("other");
  EXPECT_EQ(refused.status, Status::kTooManyTopics) << "a held topic is in use";
}

TEST(TopicFreeingTest, ATopicWithASubscriberIsNeverFreed) {
  VirtualBroker env{options(1)};
  Listener listener = Listener::on(env, "live");
  env.executor.advanceBy(kLinger * 20);
  EXPECT_NE(env.broker.find("live"), nullptr);
  EXPECT_EQ(env.broker.topic("other").status, Status::kTooManyTopics);
  publishTo(env, "live", "still here");
  EXPECT_THAT(test::drainBytes(*listener.queue), ElementsAre("still here"));
}

TEST(TopicFreeingTest, ATopicWithMessagesInFlightIsFreedOnlyAfterItsFanOut) {
  VirtualBroker env{options(1, Duration::zero(), "")};
  {
    std::shared_ptr<Topic> busy = env.topic("busy");
    SubscriptionHandle handle = busy->subscribe(std::make_shared<QueueSubscriber>(test::roomyQueue())).handle;
    for (const char* text : {"a", "b", "c"}) ASSERT_EQ(busy->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
    handle.unsubscribe();  // nobody listens, but three messages wait for their fan-out
  }
  std::shared_ptr<Topic> peek = env.broker.find("busy");
  ASSERT_NE(peek, nullptr);
  ASSERT_EQ(peek->stats().inbound, 3u);
  peek.reset();
  EXPECT_EQ(env.broker.topic("other").status, Status::kTooManyTopics) << "freed with messages in flight";

  env.executor.runUntilIdle();  // the fan-out, then the sweep it asks for
  EXPECT_EQ(env.broker.find("busy"), nullptr);
  EXPECT_EQ(env.broker.topic("other").status, Status::kCreated);
}

TEST(TopicFreeingTest, TheLimitStillRefusesOneLiveTopicTooMany) {
  VirtualBroker env{options(3, kLinger, "")};
  std::vector<Listener> live;
  for (const char* name : {"a", "b", "c"}) live.push_back(Listener::on(env, name));
  TopicLookup refused = env.broker.topic("d");
  EXPECT_EQ(refused.status, Status::kTooManyTopics);
  EXPECT_THAT(refused.error, HasSubstr("the limit is 3"));
  EXPECT_EQ(env.broker.find("d"), nullptr);

  live[1].handle.unsubscribe();
  EXPECT_EQ(env.broker.topic("d").status, Status::kCreated) << "a room left empty still blocks a new one";
  EXPECT_EQ(env.broker.find("b"), nullptr);
}

TEST(TopicFreeingTest, TheReservedTopicWorksAtTheLimitAndDoesNotCount) {
  VirtualBroker env{options(2)};
  Listener a = Listener::on(env, "a");
  Listener b = Listener::on(env, "b");
  ASSERT_EQ(env.broker.topic("c").status, Status::kTooManyTopics);
  Listener lobby = Listener::on(env, "chat");
  publishTo(env, "chat", "hello");
  EXPECT_THAT(test::drainBytes(*lobby.queue), ElementsAre("hello"));

  a.handle.unsubscribe();
  EXPECT_EQ(env.broker.topic("c").status, Status::kCreated) << "the reserved topic took a place";
}

TEST(TopicFreeingTest, ATopicClosedByItsHolderIsFreedOnceLetGo) {
  VirtualBroker env{options(8)};
  {
    std::shared_ptr<Topic> topic = env.topic("room");
    std::optional<CloseOutcome> outcome;
    topic->close(milliseconds(100), [&](CloseOutcome o) { outcome = o; });
    env.executor.runUntilIdle();
    ASSERT_EQ(outcome, CloseOutcome::kCompleted);
    EXPECT_TRUE(topic->closed());
  }
  env.executor.advanceBy(kLinger);
  TopicLookup fresh = env.broker.topic("room");
  EXPECT_EQ(fresh.status, Status::kCreated);
  ASSERT_TRUE(fresh.ok()) << fresh.error;
  EXPECT_FALSE(fresh.topic->closed());
}

TEST(TopicFreeingTest, ATopicKeptPastItsBrokerCanStillBeLeft) {
  std::shared_ptr<Topic> kept;
  SubscriptionHandle handle;
  ManualClock clock;
  ManualExecutor executor{clock};
  {
    Broker broker(clock, executor, options(8));
    kept = broker.topic("room").topic;
    handle = kept->subscribe(std::make_shared<QueueSubscriber>(test::roomyQueue())).handle;
    visit(broker, "other");  // a sweep is pending when the broker goes
  }
  EXPECT_EQ(executor.pending(), 0u) << "the broker left its sweep timer behind";
  EXPECT_TRUE(handle.unsubscribe());  // tells a broker that is gone: nothing happens
  EXPECT_EQ(executor.pending(), 0u);
}

TEST(TopicFreeingTest, ShutdownStopsTheSweep) {
  VirtualBroker env{options(8)};
  visit(env.broker, "room");
  ASSERT_EQ(env.executor.pending(), 1u) << "the sweep";
  env.broker.shutdown(milliseconds(100), [](CloseOutcome) {});
  env.executor.runUntilIdle();
  EXPECT_EQ(env.executor.pending(), 0u);
}

}  // namespace
}  // namespace spread::core
