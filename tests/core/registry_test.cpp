// Proves the broker's topic registry: topics are created on demand and found again, the
// number of topics in use is capped, names are validated, closeTopic forgets a topic and
// shutdown refuses new ones. Each refusal carries a sentence naming the problem.
// (topic_freeing_test.cpp proves when idle topics are freed.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using test::VirtualBroker;
using Status = TopicLookup::Status;

class RegistryTest : public ::testing::Test {
 protected:
  VirtualBroker env_{BrokerOptions{.topicsMax = 3, .topic = {}}};
  Broker& broker_ = env_.broker;
};

TEST_F(RegistryTest, CreatesATopicOnFirstUseAndFindsTheSameOneAfter) {
  TopicLookup first = broker_.topic("chat");
  ASSERT_EQ(first.status, Status::kCreated);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.topic->name(), "chat");
  EXPECT_FALSE(first.topic->closed());

  TopicLookup second = broker_.topic("chat");
  EXPECT_EQ(second.status, Status::kFound);
  EXPECT_EQ(second.topic, first.topic);
  EXPECT_EQ(broker_.find("chat"), first.topic);
}

TEST_F(RegistryTest, FindNeverCreates) {
  EXPECT_EQ(broker_.find("chat"), nullptr);
  EXPECT_THAT(broker_.topicNames(), IsEmpty());
}

TEST_F(RegistryTest, ListsTopicNamesSorted) {
  for (const char* name : {"zeta", "alpha", "Mid"}) ASSERT_TRUE(broker_.topic(name).ok());
  EXPECT_THAT(broker_.topicNames(), ElementsAre("Mid", "alpha", "zeta"));
}

TEST_F(RegistryTest, RefusesTopicsBeyondTheCapAndSaysTheLimit) {
  std::vector<std::shared_ptr<Topic>> inUse;  // held, so none of them is idle
  for (const char* name : {"a", "b", "c"}) {
    TopicLookup created = broker_.topic(name);
    ASSERT_EQ(created.status, Status::kCreated);
    inUse.push_back(created.topic);
  }
  TopicLookup refused = broker_.topic("d");
  EXPECT_EQ(refused.status, Status::kTooManyTopics);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.topic, nullptr);
  EXPECT_THAT(refused.error, HasSubstr("too many topics"));
  EXPECT_THAT(refused.error, HasSubstr("3"));
  EXPECT_EQ(broker_.find("d"), nullptr);
  // Existing topics are still found at the cap.
  EXPECT_EQ(broker_.topic("b").status, Status::kFound);
}

TEST_F(RegistryTest, RefusesAnInvalidNameNamingTheProblem) {
  TopicLookup refused = broker_.topic("bad name");
  EXPECT_EQ(refused.status, Status::kInvalidName);
  EXPECT_EQ(refused.topic, nullptr);
  EXPECT_THAT(refused.error, HasSubstr("position 3"));

  EXPECT_EQ(broker_.topic("").status, Status::kInvalidName);
  EXPECT_THAT(broker_.topic("").error, HasSubstr("empty"));
  EXPECT_THAT(broker_.topicNames(), IsEmpty());
}

TEST_F(RegistryTest, CloseTopicForgetsItSoTheNameMakesAFreshTopic) {
  auto old = env_.topic("chat");
  std::optional<CloseOutcome> outcome;
  broker_.closeTopic("chat", std::chrono::seconds(1), [&](CloseOutcome o) { outcome = o; });
  EXPECT_EQ(broker_.find("chat"), nullptr);
  EXPECT_THAT(broker_.topicNames(), IsEmpty());
  env_.executor.runUntilIdle();
  EXPECT_EQ(outcome, CloseOutcome::kCompleted);
  EXPECT_TRUE(old->closed());

  TopicLookup fresh = broker_.topic("chat");
  EXPECT_EQ(fresh.status, Status::kCreated);
  EXPECT_NE(fresh.topic, old);
  EXPECT_FALSE(fresh.topic->closed());
}

TEST_F(RegistryTest, ClosingATopicFreesRoomUnderTheCap) {
  std::vector<std::shared_ptr<Topic>> inUse;  // held, so none of them is idle
  for (const char* name : {"a", "b", "c"}) inUse.push_back(env_.topic(name));
  ASSERT_EQ(broker_.topic("d").status, Status::kTooManyTopics);
  broker_.closeTopic("b", std::chrono::seconds(1), [](CloseOutcome) {});
  EXPECT_EQ(broker_.topic("d").status, Status::kCreated);
}

TEST_F(RegistryTest, CloseTopicOfAnUnknownNameCompletesAtOnce) {
  int calls = 0;
  broker_.closeTopic("nope", std::chrono::seconds(1), [&](CloseOutcome o) {
    EXPECT_EQ(o, CloseOutcome::kCompleted);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(env_.executor.pending(), 0u);
}

TEST_F(RegistryTest, ShutdownRefusesNewTopicsAndForgetsOldOnes) {
  auto chat = env_.topic("chat");
  std::optional<CloseOutcome> outcome;
  broker_.shutdown(std::chrono::seconds(1), [&](CloseOutcome o) { outcome = o; });
  TopicLookup refused = broker_.topic("other");
  EXPECT_EQ(refused.status, Status::kShuttingDown);
  EXPECT_EQ(refused.topic, nullptr);
  EXPECT_THAT(refused.error, HasSubstr("shutting down"));
  EXPECT_EQ(broker_.topic("chat").status, Status::kShuttingDown);
  EXPECT_EQ(broker_.find("chat"), nullptr);
  EXPECT_THAT(broker_.topicNames(), IsEmpty());
  env_.executor.runUntilIdle();
  EXPECT_EQ(outcome, CloseOutcome::kCompleted);
  EXPECT_TRUE(chat->closed());
}

TEST_F(RegistryTest, ShutdownWithNoTopicsCompletesAtOnce) {
  std::optional<CloseOutcome> outcome;
  broker_.shutdown(std::chrono::seconds(1), [&](CloseOutcome o) { outcome = o; });
  EXPECT_EQ(outcome, CloseOutcome::kCompleted);
  EXPECT_EQ(broker_.topic("chat").status, Status::kShuttingDown);
}

TEST_F(RegistryTest, TopicsUseTheBrokersTopicOptions) {
  VirtualBroker small{BrokerOptions{.topicsMax = 1, .topic = {.inboundMessagesMax = 2}}};
  auto chat = small.topic("chat");
  // Someone listens, so accepted messages queue for fan-out (with nobody, none would).
  auto listener = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(chat->subscribe(listener).ok());
  EXPECT_EQ(chat->tryPublish(Payload::raw("1")), PublishOutcome::kAccepted);
  EXPECT_EQ(chat->tryPublish(Payload::raw("2")), PublishOutcome::kAccepted);
  EXPECT_EQ(chat->tryPublish(Payload::raw("3")), PublishOutcome::kBusy);
}

}  // namespace
}  // namespace spread::core
