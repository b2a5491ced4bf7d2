// Proves the byte-level clients' reference (StreamReference): each frame RFC 6455 makes a
// server fail maps to its close code, frames the RFC allows require none, only a stream
// that opened with one upgrade request is judged, and a pong proves the server read past a
// failing frame only when it echoes a ping sent after it.
#include <gtest/gtest.h>

#include <string>

#include "wire_client.h"

namespace spread::sim {
namespace {

constexpr std::size_t kLimit = 100;
const std::string kUpgrade =
    "GET /subscribe?topic=chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

struct Frame {
  int opcode = 1;
  std::string payload{};
  std::optional<int> closeCode{};
  bool fin = true;
  bool masked = true;
};

// The code the last of `frames` requires on a freshly upgraded stream (0: none), failing
// the test if an earlier one required any.
int requiredBy(std::initializer_list<Frame> frames) {
  StreamReference reference(kLimit);
  reference.raw(kUpgrade);
  std::optional<RequiredClose> required;
  std::size_t i = 0;
  for (const Frame& f : frames) {
    required = reference.frame(f.opcode, f.payload, f.closeCode, f.fin, f.masked);
    if (++i < frames.size()) {
      EXPECT_FALSE(required) << "frame " << i << ": " << required->why;
    }
  }
  return required ? required->code : 0;
}

TEST(StreamReferenceTest, FramesTheRfcAllowsRequireNoClose) {
  EXPECT_EQ(requiredBy({{1, "hello"}}), 0);
  EXPECT_EQ(requiredBy({{1, ""}}), 0);
  EXPECT_EQ(requiredBy({{1, std::string(kLimit, 'x')}}), 0);
  EXPECT_EQ(requiredBy({{1, "\xE2\x82", {}, false}, {0, "\xAC"}}), 0);  // a euro sign in two fragments
  EXPECT_EQ(requiredBy({{1, "a", {}, false}, {9, "between fragments"}, {0, "b"}}), 0);
  EXPECT_EQ(requiredBy({{9, "ping"}, {10, "pong"}}), 0);
  EXPECT_EQ(requiredBy({{8, "bye", 1000}}), 0);
  EXPECT_EQ(requiredBy({{8, ""}}), 0);
  EXPECT_EQ(requiredBy({{8, "", 4000}}), 0);
}

TEST(StreamReferenceTest, ProtocolErrorsRequire1002) {
  EXPECT_EQ(requiredBy({{3, "reserved"}}), 1002);
  EXPECT_EQ(requiredBy({{11, ""}}), 1002);
  EXPECT_EQ(requiredBy({{1, "x", {}, true, false}}), 1002);  // unmasked
  EXPECT_EQ(requiredBy({{9, "x", {}, false}}), 1002);        // a fragmented ping
  EXPECT_EQ(requiredBy({{9, std::string(126, 'p')}}), 1002);
  EXPECT_EQ(requiredBy({{0, "nothing to continue"}}), 1002);
  EXPECT_EQ(requiredBy({{1, "a", {}, false}, {1, "b"}}), 1002);
  EXPECT_EQ(requiredBy({{1, "a", {}, false}, {2, "b"}}), 1002);  // not 1003: the nesting comes first
  EXPECT_EQ(requiredBy({{8, "x"}}), 1002);                       // a 1-byte close payload
  EXPECT_EQ(requiredBy({{8, "", 1005}}), 1002);
  EXPECT_EQ(requiredBy({{8, "", 999}}), 1002);
  EXPECT_EQ(requiredBy({{8, "", 5000}}), 1002);
}

TEST(StreamReferenceTest, TextThatIsNotUtf8Requires1007AsSoonAsItCannotBecomeUtf8) {
  EXPECT_EQ(requiredBy({{1, "\xFF"}}), 1007);
  EXPECT_EQ(requiredBy({{1, "\xC0\xAF"}}), 1007);          // overlong
  EXPECT_EQ(requiredBy({{1, "\xED\xA0\x80"}}), 1007);      // a surrogate
  EXPECT_EQ(requiredBy({{1, "\xF4\x90\x80\x80"}}), 1007);  // above U+10FFFF
  EXPECT_EQ(requiredBy({{1, "ok\x80", {}, false}}), 1007);
  EXPECT_EQ(requiredBy({{1, "\xE2\x82"}}), 1007);  // ends inside a character
  EXPECT_EQ(requiredBy({{1, "\xE2\x82", {}, false}, {0, "x"}}), 1007);
  EXPECT_EQ(requiredBy({{8, "\xFF", 1000}}), 1007);  // a close reason
}

TEST(StreamReferenceTest, ABinaryMessageRequires1003AndAnOversizeOne1009) {
  EXPECT_EQ(requiredBy({{2, "\x01"}}), 1003);
  EXPECT_EQ(requiredBy({{1, std::string(kLimit + 1, 'x')}}), 1009);
  EXPECT_EQ(requiredBy({{1, std::string(kLimit, 'x'), {}, false}, {0, "y"}}), 1009);
  EXPECT_EQ(requiredBy({{1, "\xFF" + std::string(kLimit, 'x')}}), 1009);  // the length is read first
}

TEST(StreamReferenceTest, OnlyTheFirstFailureAndNothingAfterACloseCount) {
  StreamReference failed(kLimit);
  failed.raw(kUpgrade);
  EXPECT_TRUE(failed.frame(3, "", {}, true, true));
  EXPECT_FALSE(failed.frame(1, "\xFF", {}, true, true));
  StreamReference closed(kLimit);
  closed.raw(kUpgrade);
  EXPECT_FALSE(closed.frame(8, "bye", 1000, true, true));
  EXPECT_FALSE(closed.frame(1, "\xFF", {}, true, true));
}

TEST(StreamReferenceTest, OnlyAStreamThatOpenedWithOneUpgradeRequestIsJudged) {
  StreamReference noHead(kLimit);
  EXPECT_FALSE(noHead.frame(3, "", {}, true, true));
  StreamReference garbage(kLimit);
  garbage.raw("hello\r\n\r\n");
  EXPECT_FALSE(garbage.frame(3, "", {}, true, true));
  StreamReference withBody(kLimit);
  withBody.raw(kUpgrade.substr(0, kUpgrade.size() - 2) + "Content-Length: 3\r\n\r\n");
  EXPECT_FALSE(withBody.frame(3, "", {}, true, true));
  StreamReference rawAfter(kLimit);
  rawAfter.raw(kUpgrade);
  rawAfter.raw("\x81");
  EXPECT_FALSE(rawAfter.frame(3, "", {}, true, true));
}

TEST(StreamReferenceTest, OnlyAPongForAPingSentAfterTheFailureShowsTheServerReadPastIt) {
  StreamReference reference(kLimit);
  reference.raw(kUpgrade);
  ASSERT_FALSE(reference.frame(9, "before", {}, true, true));
  ASSERT_TRUE(reference.frame(1, "\xFF", {}, true, true));
  ASSERT_FALSE(reference.frame(9, "after", {}, true, true));
  ASSERT_FALSE(reference.frame(9, "before", {}, true, true));
  HeardFrames heard;
  heard.pongs = {"before"};
  EXPECT_FALSE(reference.answeredPingAfterFailure(heard));
  heard.pongs = {"before", "after"};
  EXPECT_TRUE(reference.answeredPingAfterFailure(heard));
}

TEST(ScanServerFramesTest, FindsThePongsAndTheCloseAfterA101) {
  const std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
  const std::string frames = std::string("\x81\x02hi") + "\x8A\x01p" + "\x88\x04\x03\xEFok" + "\x8A\x01q";
  const HeardFrames heard = scanServerFrames(answer + frames);
  EXPECT_EQ(heard.pongs, std::multiset<std::string>{"p"}) << "nothing after the close";
  ASSERT_TRUE(heard.close);
  EXPECT_EQ(heard.close->code, 1007);
  EXPECT_EQ(heard.close->reason, "ok");
  EXPECT_FALSE(scanServerFrames("HTTP/1.1 400 Bad Request\r\n\r\n" + frames).close);
}

}  // namespace
}  // namespace spread::sim
