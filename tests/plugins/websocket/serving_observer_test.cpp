// Proves the ServingObserver hooks on the real protocol stack (in-memory network, virtual
// time): each upgraded WebSocket reports its session starting before it subscribes and
// started after, each message handed over in publish order, each close request with its code;
// and a session built on the context sessionContext() returns takes that context's limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client_frames.h"
#include "memory_stack.h"

namespace spread::plugins::websocket::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kUpgrade =
    "GET /subscribe HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

std::string post(const std::string& body) {
  return "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close"
         "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chat(const std::string& msg) { return R"({"name":"ann","msg":")" + msg + "\"}"; }

// Records every report, and what the broker held for the default topic when a session
// started and had started. Declared before the stack it watches, so that it (and the
// contexts it made) outlive every session.
class RecordingObserver final : public ServingObserver {
 public:
  void attach(MemoryStack& stack) {
    broker_ = &stack.broker();
    stack.setObserver(this);
  }

  transport::TransportContext& sessionContext(int handle, transport::TransportContext& shared) override {
    contextsAsked.push_back(handle);
    auto found = queueMessagesMax.find(handle);
    if (found == queueMessagesMax.end()) return shared;
    auto own = std::make_unique<transport::TransportContext>(shared);
    own->session.queue.messagesMax = found->second;
    ownContexts.push_back(std::move(own));
    return *ownContexts.back();
  }
  void onSessionStarting(int handle) override {
    log.push_back("starting " + std::to_string(handle) + " with " + std::to_string(subscribers()) + " subscribers");
  }
  void onSessionStarted(int handle) override {
    log.push_back("started " + std::to_string(handle) + " with " + std::to_string(subscribers()) + " subscribers");
  }
  void onSent(int handle, const core::MessagePtr& message) override { sent[handle].push_back(message); }
  void onTextSent(int handle, std::string_view text) override { texts[handle].emplace_back(text); }
  void onCloseRequested(int handle, transport::CloseCode code, std::string_view reason) override {
    closes[handle].emplace_back(static_cast<int>(code), std::string(reason));
  }

  // Sessions given a queue of their own size, by handle.
  std::map<int, std::size_t> queueMessagesMax;
  std::vector<int> contextsAsked;
  std::vector<std::string> log;
  std::map<int, std::vector<core::MessagePtr>> sent;
  std::map<int, std::vector<std::string>> texts;
  std::map<int, std::vector<std::pair<int, std::string>>> closes;

 private:
  std::uint64_t subscribers() const {
    const std::shared_ptr<core::Topic> topic = broker_->find("chat");
    return topic ? topic->stats().subscribers : 0;
  }

  core::Broker* broker_ = nullptr;
  std::vector<std::unique_ptr<transport::TransportContext>> ownContexts;
};

// The frames after the 101 in what a subscriber received.
std::vector<ServerFrame> framesAfterAnswer(std::string bytes) {
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end != std::string::npos) bytes.erase(0, end + 4);
  std::vector<ServerFrame> frames;
  while (auto frame = takeServerFrame(bytes)) frames.push_back(*frame);
  return frames;
}

TEST(ServingObserverTest, AnUpgradeReportsItsSessionStartingBeforeItSubscribesThenStarted) {
  RecordingObserver observer;
  MemoryStack stack;
  observer.attach(stack);
  const int subscriber = stack.connect();
  stack.send(subscriber, kUpgrade);
  stack.settle();
  ASSERT_EQ(stack.take(subscriber).rfind("HTTP/1.1 101 ", 0), 0u);
  EXPECT_THAT(observer.contextsAsked, ElementsAre(subscriber));
  EXPECT_THAT(observer.log, ElementsAre("starting " + std::to_string(subscriber) + " with 0 subscribers",
                                        "started " + std::to_string(subscriber) + " with 1 subscribers"));
}

TEST(ServingObserverTest, NoSessionIsReportedForARefusedUpgradeOrAPublish) {
  RecordingObserver observer;
  MemoryStack stack;
  observer.attach(stack);
  EXPECT_EQ(stack.exchange(post(chat("hi"))).rfind("HTTP/1.1 204 ", 0), 0u);
  stack.server().beginDrain();
  EXPECT_EQ(stack.exchange(kUpgrade).rfind("HTTP/1.1 503 ", 0), 0u);
  EXPECT_THAT(observer.contextsAsked, IsEmpty());
  EXPECT_THAT(observer.log, IsEmpty());
  EXPECT_THAT(observer.sent, IsEmpty());
}

TEST(ServingObserverTest, ReportsEachMessageHandedOverInPublishOrderAsItGoesOnTheWire) {
  RecordingObserver observer;
  MemoryStack stack;
  observer.attach(stack);
  const int subscriber = stack.connect();
  stack.send(subscriber, kUpgrade);
  stack.settle();
  stack.take(subscriber);

  for (const std::string msg : {"one", "two", "three", "four"}) {
    ASSERT_EQ(stack.exchange(post(chat(msg))).rfind("HTTP/1.1 204 ", 0), 0u);
  }
  stack.settle();
  const std::vector<ServerFrame> frames = framesAfterAnswer(stack.take(subscriber));
  const std::vector<core::MessagePtr>& sent = observer.sent[subscriber];
  ASSERT_EQ(sent.size(), 4u);
  ASSERT_EQ(frames.size(), 4u);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i]->sequence(), i + 1) << "publish order";
    EXPECT_EQ(frames[i].payload, sent[i]->bytes()) << "the frame carries what was handed over";
  }
  EXPECT_NE(sent[2]->bytes().find("three"), std::string::npos);
  EXPECT_THAT(observer.closes, IsEmpty());
}

TEST(ServingObserverTest, ReportsTheSessionsOwnTextsAsHandedOver) {
  RecordingObserver observer;
  MemoryStack stack;
  observer.attach(stack);
  const int subscriber = stack.connect();
  stack.send(subscriber, kUpgrade + textFrame("{}"));  // not a chat message: an error reply
  stack.settle();
  const std::vector<ServerFrame> frames = framesAfterAnswer(stack.take(subscriber));
  ASSERT_EQ(observer.texts[subscriber].size(), 1u);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, observer.texts[subscriber][0]);
  EXPECT_NE(frames[0].payload.find("\"error\""), std::string::npos);
}

// A stalled subscriber (it read its 101 and nothing more) on a stack whose windows are small:
// publishes one at a time until the session asks to close it, and returns how many it took.
struct Stalled {
  int handle = 0;
  int publishesToClose = 0;
};

transport::SessionOptions smallWindows(std::size_t queueMessagesMax) {
  transport::SessionOptions session;
  session.queue = core::QueueLimits{queueMessagesMax, 1 << 20};
  session.sendWindowBytes = 1024;
  return session;
}

int connectStalled(MemoryStack& stack) {
  MemoryNetwork::LinkOptions small;
  small.clientReceiveBytes = 2048;
  const int handle = stack.connect(small);
  stack.send(handle, kUpgrade);
  stack.settle();
  EXPECT_EQ(stack.take(handle).rfind("HTTP/1.1 101 ", 0), 0u);
  return handle;
}

void publishUntilClosed(MemoryStack& stack, RecordingObserver& observer, std::vector<Stalled*> readers) {
  const std::string msg(400, 'm');
  for (int publishes = 1; publishes <= 200; ++publishes) {
    ASSERT_EQ(stack.exchange(post(chat(msg))).rfind("HTTP/1.1 204 ", 0), 0u);
    bool allClosed = true;
    for (Stalled* reader : readers) {
      if (reader->publishesToClose == 0 && !observer.closes[reader->handle].empty()) {
        reader->publishesToClose = publishes;
      }
      allClosed = allClosed && reader->publishesToClose != 0;
    }
    if (allClosed) return;
  }
  FAIL() << "a stalled subscriber was never closed";
}

TEST(ServingObserverTest, ReportsTheCloseRequestedForASlowReaderWith1008) {
  RecordingObserver observer;
  MemoryStack stack({}, smallWindows(4));
  observer.attach(stack);
  Stalled reader{connectStalled(stack)};
  publishUntilClosed(stack, observer, {&reader});
  ASSERT_FALSE(observer.closes[reader.handle].empty());
  EXPECT_EQ(observer.closes[reader.handle][0], std::make_pair(1008, std::string("too slow to keep up")));

  // Handed over before the close: exactly the frames the client reads once it reads again.
  const std::string rest = stack.collect(reader.handle, std::chrono::seconds(1));
  std::vector<ServerFrame> frames = framesAfterAnswer("HTTP/1.1 101\r\n\r\n" + rest);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().opcode, Opcode::kClose);
  EXPECT_EQ(frames.back().closeCode(), 1008);
  frames.pop_back();
  const std::vector<core::MessagePtr>& sent = observer.sent[reader.handle];
  ASSERT_EQ(frames.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(frames[i].payload, sent[i]->bytes());
}

TEST(ServingObserverTest, ASessionOnItsOwnContextTakesItsQueueSize) {
  // Both subscribers stall; the shared context gives a queue of 8, the first subscriber's
  // own context a queue of 2, so the broker drops it sooner, by the difference.
  constexpr std::size_t kSharedQueue = 8;
  constexpr std::size_t kOwnQueue = 2;
  RecordingObserver observer;
  MemoryStack stack({}, smallWindows(kSharedQueue));
  observer.attach(stack);
  // Handles are handed out in connect order: the next connection gets the next one.
  Stalled own;
  Stalled shared;
  observer.queueMessagesMax[1] = kOwnQueue;
  own.handle = connectStalled(stack);
  ASSERT_EQ(own.handle, 1) << "the first connection's handle";
  shared.handle = connectStalled(stack);
  EXPECT_THAT(observer.contextsAsked, ElementsAre(own.handle, shared.handle));

  publishUntilClosed(stack, observer, {&own, &shared});
  EXPECT_LT(own.publishesToClose, shared.publishesToClose);
  EXPECT_EQ(shared.publishesToClose - own.publishesToClose, static_cast<int>(kSharedQueue - kOwnQueue));
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
