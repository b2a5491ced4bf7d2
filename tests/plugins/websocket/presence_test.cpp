// Proves presence through the real parser, routes and sessions on the in-memory network:
// GET /presence lists the WebSocket subscribers of a topic under the names they gave; a
// subscriber that asked with ?presence=1 gets the members frame, then join and leave frames,
// while one that did not sees exactly the frames it saw before presence existed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "client_frames.h"
#include "memory_stack.h"

namespace spread::plugins::websocket::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using namespace std::chrono_literals;

std::string upgrade(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

std::string post(const std::string& body) {
  return "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string bodyOf(const std::string& answer) {
  const std::size_t end = answer.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : answer.substr(end + 4);
}

// A subscriber on the stack: what it has received, as text frames.
class Client {
 public:
  Client(MemoryStack& stack, const std::string& target) : stack_(stack), handle_(stack.connect()) {
    stack_.send(handle_, upgrade(target));
    stack_.settle();
    buffer_ = stack_.take(handle_);
    const std::size_t end = buffer_.find("\r\n\r\n");
    answer_ = buffer_.substr(0, end == std::string::npos ? buffer_.size() : end + 4);
    buffer_.erase(0, answer_.size());
  }
  const std::string& answer() const { return answer_; }
  std::vector<std::string> texts() {
    stack_.settle();
    buffer_ += stack_.take(handle_);
    std::vector<std::string> out;
    while (auto frame = takeServerFrame(buffer_)) {
      if (frame->opcode == Opcode::kText) out.push_back(frame->payload);
    }
    return out;
  }
  void close() {
    stack_.send(handle_, clientFrame({Opcode::kClose, closePayload(1000)}));
    stack_.settle();
  }

 private:
  MemoryStack& stack_;
  int handle_;
  std::string answer_;
  std::string buffer_;
};

TEST(PresenceTest, GetPresenceListsTheSubscribersOfATopicUnderTheirNames) {
  MemoryStack stack;
  EXPECT_EQ(bodyOf(stack.exchange(get("/presence"))), R"({"topic":"chat","count":0,"members":[],"truncated":false})");
  Client ann(stack, "/subscribe?name=ann");
  ASSERT_THAT(ann.answer(), StartsWith("HTTP/1.1 101 "));
  Client anonymous(stack, "/subscribe");
  Client elsewhere(stack, "/subscribe?topic=other&name=eve");

  const std::string answer = stack.exchange(get("/presence?topic=chat"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answer, HasSubstr("Content-Type: application/json"));
  EXPECT_THAT(bodyOf(answer), MatchesRegex(R"(\{"topic":"chat","count":2,"members":\[\{"id":"[A-Za-z0-9_-]{11}",)"
                                           R"("name":"ann"\},\{"id":"[A-Za-z0-9_-]{11}","name":""\}\],"truncated":false\})"));
  EXPECT_THAT(bodyOf(stack.exchange(get("/presence?topic=other"))), HasSubstr(R"("name":"eve")"));

  EXPECT_THAT(bodyOf(stack.exchange(get("/metrics"))), HasSubstr("\nspread_presence_entries 3\n"));
  ann.close();
  EXPECT_THAT(bodyOf(stack.exchange(get("/presence"))), HasSubstr(R"("count":1,)"));
  EXPECT_THAT(bodyOf(stack.exchange(get("/metrics"))), HasSubstr("\nspread_presence_entries 2\n"));
}

TEST(PresenceTest, BadQueriesAreRefusedNamingTheField) {
  MemoryStack stack;
  const std::string badTopic = stack.exchange(get("/presence?topic=a%20b"));
  EXPECT_THAT(badTopic, StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(bodyOf(badTopic), HasSubstr(R"("field":"topic")"));
  EXPECT_THAT(stack.exchange("POST /presence HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
              StartsWith("HTTP/1.1 405 "));

  const std::string longName = stack.exchange(upgrade("/subscribe?name=" + std::string(65, 'n')));
  EXPECT_THAT(longName, StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(bodyOf(longName), HasSubstr("'name': is longer than 64 bytes"));
  EXPECT_THAT(bodyOf(longName), HasSubstr(R"("field":"name")"));
  const std::string badUtf8 = stack.exchange(upgrade("/subscribe?name=%FF"));
  EXPECT_THAT(badUtf8, StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(bodyOf(badUtf8), HasSubstr("not valid UTF-8"));
  const std::string badFlag = stack.exchange(upgrade("/subscribe?presence=yes"));
  EXPECT_THAT(badFlag, StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(bodyOf(badFlag), HasSubstr(R"("field":"presence")"));
  EXPECT_EQ(stack.presence().entries(), 0u);
}

TEST(PresenceTest, AWatcherGetsTheMembersThenJoinsAndLeavesWithNoGap) {
  MemoryStack stack;
  Client ann(stack, "/subscribe?name=ann");
  Client watcher(stack, "/subscribe?presence=1&name=wat");
  std::vector<std::string> seen = watcher.texts();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_THAT(seen[0], MatchesRegex(R"(\{"presence":"members","self":"[A-Za-z0-9_-]{11}","count":2,"members":\[)"
                                    R"(\{"id":"[A-Za-z0-9_-]{11}","name":"ann"\},\{"id":"[A-Za-z0-9_-]{11}","name":"wat"\}\],)"
                                    R"("truncated":false\})"));

  Client bob(stack, "/subscribe?name=bob");
  ASSERT_THAT(stack.exchange(post(R"({"name":"bob","msg":"hi"})")), StartsWith("HTTP/1.1 204 "));
  bob.close();
  seen = watcher.texts();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_THAT(seen[0], MatchesRegex(R"re(\{"presence":"join","id":"[A-Za-z0-9_-]{11}","name":"bob"\})re"));
  EXPECT_EQ(seen[1], R"({"name":"bob","msg":"hi"})");
  EXPECT_EQ(seen[2], std::string(seen[0]).replace(13, 4, "leave"));
}

TEST(PresenceTest, WithoutPresenceOneASubscriberSeesNoPresenceFrames) {
  MemoryStack stack;
  Client plain(stack, "/subscribe?name=plain");
  Client bob(stack, "/subscribe?name=bob");
  bob.close();
  ASSERT_THAT(stack.exchange(post(R"({"name":"ann","msg":"only this"})")), StartsWith("HTTP/1.1 204 "));
  EXPECT_THAT(plain.texts(), ::testing::ElementsAre(R"({"name":"ann","msg":"only this"})"));
}

TEST(PresenceTest, ASessionDroppedForIdlenessLeaves) {
  transport::SessionOptions session;
  session.idleTimeout = 5s;
  session.pingInterval = 1s;
  MemoryStack stack({}, session);
  Client watcher(stack, "/subscribe?presence=1");
  const int idle = stack.connect();
  stack.send(idle, upgrade("/subscribe?name=idle"));
  stack.settle();
  EXPECT_EQ(stack.presence().entries(), 2u);
  // Neither client says anything, so both go idle and both entries go.
  stack.advance(10s);
  EXPECT_EQ(stack.presence().entries(), 0u);
}

// A shared presence's list arrives later, from its own thread: it holds the callback until
// the test answers, as RedisPresence does until Redis replies.
class LaterPresence final : public transport::Presence {
 public:
  std::string join(const std::string&, std::string, transport::PresenceSink) override { return "x"; }
  void leave(const std::string&, const std::string&) override {}
  void list(const std::string& topic, std::size_t max, transport::PresenceListDone done) const override {
    asked = topic;
    askedMax = max;
    held = std::move(done);
  }
  std::size_t entries() const override { return 0; }

  mutable std::string asked;
  mutable std::size_t askedMax = 0;
  mutable transport::PresenceListDone held;
};

TEST(PresenceTest, GetPresenceIsAnsweredWhenASharedPresenceAnswersLater) {
  MemoryStack stack;
  LaterPresence later;
  stack.context().presence = &later;
  const int handle = stack.connect();
  stack.send(handle, get("/presence?topic=room"));
  stack.settle();
  EXPECT_EQ(stack.take(handle), "");  // nothing until the presence answers
  ASSERT_TRUE(later.held);
  EXPECT_EQ(later.asked, "room");
  EXPECT_EQ(later.askedMax, transport::Presence::kMembersListedMax);

  transport::PresenceListing listing;
  listing.list.members.push_back({"m1", "ann"});
  listing.list.count = 1;
  // From another thread, as the presence's own would.
  std::thread([&] { later.held(listing); }).join();
  const std::string answer = stack.collect(handle);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 "));
  EXPECT_EQ(bodyOf(answer), R"({"topic":"room","count":1,"members":[{"id":"m1","name":"ann"}],"truncated":false})");
}

TEST(PresenceTest, APresenceThatCannotReadItsListAnswers503NamingTheProblem) {
  MemoryStack stack;
  LaterPresence later;
  stack.context().presence = &later;
  const int handle = stack.connect();
  stack.send(handle, get("/presence?topic=room"));
  stack.settle();
  ASSERT_TRUE(later.held);
  later.held({{}, "redis 127.0.0.1:6379: connection refused"});
  const std::string answer = stack.collect(handle);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 503 "));
  EXPECT_THAT(bodyOf(answer),
              HasSubstr("presence of topic 'room' could not be read: redis 127.0.0.1:6379: connection refused"));
  EXPECT_THAT(bodyOf(answer), HasSubstr(R"("field":"presence")"));
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
