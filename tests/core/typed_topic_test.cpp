// Proves TypedTopic<T>: only T is publishable and handlers get const T&; a value is encoded
// once and one Message (bytes plus typed value) reaches every subscriber with no copy or
// decode; raw bytes are decoded, undecodable ones skipped. A counting codec shows "once".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "spread/core/typed_topic.h"
#include "spread/testing/mock_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Invoke;
using ::testing::IsEmpty;
using ::testing::StrictMock;
using spread::testing::MockSubscriber;
using test::VirtualBroker;

struct Note {
  int id = 0;
  std::string text;
  friend bool operator==(const Note&, const Note&) = default;
};

// Encodes a Note as "<id>:<text>" and counts every call.
struct CountingNoteCodec {
  static inline int encodes = 0;
  static inline int decodes = 0;
  static std::string encode(const Note& note) {
    ++encodes;
    return std::to_string(note.id) + ":" + note.text;
  }
  static Decoded<Note> decode(std::string_view bytes) {
    ++decodes;
    const auto colon = bytes.find(':');
    if (colon == std::string_view::npos || colon == 0) return CodecError{"", "no id"};
    return Note{std::stoi(std::string(bytes.substr(0, colon))), std::string(bytes.substr(colon + 1))};
  }
};

using NoteTopic = TypedTopic<Note, CountingNoteCodec>;

// The compile-time type: a NoteTopic takes a Note and nothing else, and hands out const Note&.
template <class TopicType, class Value>
concept CanPublish = requires(TopicType topic, Value value) {
  topic.tryPublish(value);
  topic.publish(value, Duration{}, PublishCallback{});
};
static_assert(CanPublish<NoteTopic, Note>);
static_assert(!CanPublish<NoteTopic, std::string>);
static_assert(!CanPublish<NoteTopic, int>);
static_assert(std::is_same_v<NoteTopic::Handler, std::function<void(const Note&)>>);

class TypedTopicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CountingNoteCodec::encodes = 0;
    CountingNoteCodec::decodes = 0;
  }

  VirtualBroker env_;
  NoteTopic notes_{env_.topic("notes")};
};

TEST_F(TypedTopicTest, HandlersReceiveThePublishedValue) {
  std::vector<Note> seen;
  ASSERT_TRUE(notes_.subscribe([&](const Note& n) { seen.push_back(n); }).ok());
  ASSERT_EQ(notes_.tryPublish(Note{1, "one"}), PublishOutcome::kAccepted);
  std::optional<PublishOutcome> outcome;
  notes_.publish(Note{2, "two"}, std::chrono::milliseconds(5), [&](PublishOutcome o) { outcome = o; });
  EXPECT_EQ(outcome, PublishOutcome::kAccepted);
  env_.executor.runUntilIdle();
  EXPECT_THAT(seen, ElementsAre(Note{1, "one"}, Note{2, "two"}));
}

TEST_F(TypedTopicTest, EncodesOnceAndEverySubscriberSharesOneMessageAndOneValue) {
  std::set<const Note*> handlerValues;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(notes_.subscribe([&](const Note& n) { handlerValues.insert(&n); }).ok());
  }
  ASSERT_TRUE(notes_.subscribeAsync(env_.executor, [&](const Note& n) { handlerValues.insert(&n); }).ok());
  std::vector<MessagePtr> received;
  std::vector<std::shared_ptr<StrictMock<MockSubscriber>>> raw;
  for (int i = 0; i < 2; ++i) {
    raw.push_back(std::make_shared<StrictMock<MockSubscriber>>());
    ASSERT_TRUE(notes_.topic().subscribe(raw.back()).ok());
    EXPECT_CALL(*raw.back(), deliver(_)).WillOnce(Invoke([&](const MessagePtr& m) {
      received.push_back(m);
      return Delivery::kAccepted;
    }));
  }

  ASSERT_EQ(notes_.tryPublish(Note{7, "shared"}), PublishOutcome::kAccepted);
  env_.executor.runUntilIdle();

  EXPECT_EQ(CountingNoteCodec::encodes, 1);
  EXPECT_EQ(CountingNoteCodec::decodes, 0) << "the typed value travelled with the bytes";
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0], received[1]) << "one Message object for every subscriber";
  EXPECT_EQ(&received[0]->bytes(), &received[1]->bytes());
  EXPECT_EQ(received[0]->bytes(), "7:shared");
  ASSERT_EQ(handlerValues.size(), 1u) << "every handler saw the same Note object";
  EXPECT_EQ(*handlerValues.begin(), received[0]->as<Note>());
}

TEST_F(TypedTopicTest, RawBytesPublishedElsewhereAreDecodedForHandlers) {
  std::vector<Note> seen;
  ASSERT_TRUE(notes_.subscribe([&](const Note& n) { seen.push_back(n); }).ok());
  ASSERT_EQ(notes_.topic().tryPublish(Payload::raw("3:from a socket")), PublishOutcome::kAccepted);
  env_.executor.runUntilIdle();
  EXPECT_THAT(seen, ElementsAre(Note{3, "from a socket"}));
  EXPECT_EQ(CountingNoteCodec::decodes, 1);
}

TEST_F(TypedTopicTest, AValueOfAnotherTypeIsDecodedFromItsBytes) {
  std::vector<Note> seen;
  ASSERT_TRUE(notes_.subscribe([&](const Note& n) { seen.push_back(n); }).ok());
  ASSERT_EQ(notes_.topic().tryPublish(Payload::typed<std::string>("4:typed elsewhere", "ignored")),
            PublishOutcome::kAccepted);
  env_.executor.runUntilIdle();
  EXPECT_THAT(seen, ElementsAre(Note{4, "typed elsewhere"}));
}

TEST_F(TypedTopicTest, UndecodableBytesAreSkippedAndTheSubscriptionLives) {
  std::vector<Note> seen;
  std::vector<CloseReason> closed;
  SubscriptionHandle handle =
      notes_.subscribe([&](const Note& n) { seen.push_back(n); }, [&](CloseReason r) { closed.push_back(r); })
          .handle;
  ASSERT_EQ(notes_.topic().tryPublish(Payload::raw("garbage")), PublishOutcome::kAccepted);
  ASSERT_EQ(notes_.tryPublish(Note{5, "after"}), PublishOutcome::kAccepted);
  env_.executor.runUntilIdle();
  EXPECT_THAT(seen, ElementsAre(Note{5, "after"}));
  EXPECT_THAT(closed, IsEmpty());
  EXPECT_TRUE(handle.active());
}

TEST_F(TypedTopicTest, AsyncHandlersRunOnTheirExecutorAndHearTheClose) {
  ManualExecutor handlers{env_.clock};
  std::vector<std::string> events;
  ASSERT_TRUE(notes_
                  .subscribeAsync(
                      handlers, [&](const Note& n) { events.push_back(n.text); },
                      [&](CloseReason r) { events.push_back(std::string(toString(r))); }, 4)
                  .ok());
  ASSERT_EQ(notes_.tryPublish(Note{1, "a"}), PublishOutcome::kAccepted);
  notes_.topic().close(std::chrono::seconds(1), [](CloseOutcome) {});
  env_.executor.runUntilIdle();
  EXPECT_THAT(events, IsEmpty());
  handlers.runUntilIdle();
  EXPECT_THAT(events, ElementsAre("a", "going away"));
}

TEST(MessageTest, AsReturnsTheValueOnlyForItsOwnType) {
  Message typed(1, TimePoint{}, Payload::typed<int>("42", 42));
  ASSERT_NE(typed.as<int>(), nullptr);
  EXPECT_EQ(*typed.as<int>(), 42);
  EXPECT_EQ(typed.as<long>(), nullptr);
  EXPECT_EQ(typed.as<std::string>(), nullptr);
  Message raw(2, TimePoint{}, Payload::raw("42"));
  EXPECT_EQ(raw.as<int>(), nullptr);
  EXPECT_EQ(raw.bytes(), "42");
  EXPECT_EQ(raw.sequence(), 2u);
}

}  // namespace
}  // namespace spread::core
