// Proves the scenario format: every event kind parses into the fields it names, a
// written scenario reads back the same, and each kind of bad line is reported with the
// file, the line number and what was expected there.
#include <gtest/gtest.h>

#include <variant>

#include "scenario_parser.h"

namespace spread::sim {
namespace {

using std::chrono::milliseconds;

Scenario parseOk(const std::string& text) {
  ParseResult result = parseScenario(text, "test.scn");
  if (auto* error = std::get_if<ParseError>(&result)) ADD_FAILURE() << error->text();
  return std::holds_alternative<Scenario>(result) ? std::get<Scenario>(result) : Scenario{};
}

TEST(ScenarioParserTest, ReadsEveryEventKind) {
  const Scenario s = parseOk(
      "# a comment line\n"
      "set seed 7\n"
      "set sendWindow 2KiB\n"
      "0ms join alice latency=2ms jitter=500us window=4KiB rate=100  # trailing comment\n"
      "0ms subscribe alice chat queue=8\n"
      "1.5ms send alice \"say \\\"hi\\\" # not a comment\"\n"
      "2ms publish alice room-2 \"hello\"\n"
      "3ms burst alice chat 10 every=1ms size=64\n"
      "4ms stall alice\n"
      "5ms resume alice rate=50\n"
      "6ms leave alice chat\n"
      "7ms disconnect alice\n"
      "8ms shutdown grace=250ms\n"
      "9ms expect alice received >=3\n"
      "end expect alice closed 1008\n");
  EXPECT_EQ(s.settings.seed, 7u);
  EXPECT_EQ(s.settings.sendWindowBytes, 2048u);
  ASSERT_EQ(s.events.size(), 12u);
  const Event& join = s.events[0];
  EXPECT_EQ(join.kind, Event::Kind::kJoin);
  EXPECT_EQ(join.line, 4);
  EXPECT_EQ(join.latency, milliseconds(2));
  EXPECT_EQ(join.jitter, std::chrono::microseconds(500));
  EXPECT_EQ(join.window, 4096u);
  EXPECT_EQ(join.rate, 100u);
  EXPECT_EQ(s.events[1].queue, 8u);
  EXPECT_EQ(s.events[2].at, std::chrono::microseconds(1500));
  EXPECT_EQ(s.events[2].text, "say \"hi\" # not a comment");
  EXPECT_EQ(s.events[3].topic, "room-2");
  EXPECT_EQ(s.events[4].count, 10u);
  EXPECT_EQ(s.events[4].every, milliseconds(1));
  EXPECT_EQ(s.events[4].size, 64u);
  EXPECT_EQ(s.events[6].rate, 50u);
  EXPECT_EQ(s.events[7].topic, "chat");
  EXPECT_EQ(s.events[9].grace, milliseconds(250));
  EXPECT_EQ(s.events[10].expect.compare, Expectation::Compare::kAtLeast);
  EXPECT_EQ(s.events[10].expect.count, 3u);
  EXPECT_TRUE(s.events[11].atEnd);
  EXPECT_EQ(s.events[11].expect.code, 1008);
}

TEST(ScenarioParserTest, AClosedExpectationMayNameTheReasonAndIsWrittenBackTheSame) {
  const Scenario s = parseOk("0ms join bob\n5ms expect bob closed 1001 \"idle timeout\"\n6ms expect bob closed 1001\n");
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[1].expect.code, 1001);
  EXPECT_EQ(s.events[1].expect.reason, "idle timeout");
  EXPECT_FALSE(s.events[2].expect.reason.has_value());
  const Scenario again = parseOk(formatScenario(s));
  ASSERT_EQ(again.events.size(), 3u);
  EXPECT_EQ(again.events[1].expect, s.events[1].expect);
  EXPECT_EQ(again.events[2].expect, s.events[2].expect);
}

TEST(ScenarioParserTest, TokensAndEachClientsTokenAreReadAndWrittenBackTheSame) {
  const Scenario s = parseOk(
      "set tokens on\n0ms join a token=1000us\n0ms join b token=forged\n0ms join c token=none\n0ms join d\n");
  EXPECT_TRUE(s.settings.tokens);
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_EQ(s.events[0].token, "1ms");
  EXPECT_EQ(s.events[1].token, "forged");
  EXPECT_EQ(s.events[2].token, "none");
  EXPECT_FALSE(s.events[3].token.has_value());
  const std::string text = formatScenario(s);
  EXPECT_NE(text.find("set tokens on\n"), std::string::npos) << text;
  const Scenario again = parseOk(text);
  EXPECT_EQ(again.settings, s.settings);
  EXPECT_EQ(again.events, s.events);
}

TEST(ScenarioParserTest, HistoryResumesAndTheirExpectationsAreReadAndWrittenBackTheSame) {
  const Scenario s = parseOk(
      "set history 20\n0ms join a\n0ms subscribe a chat since=read\n0ms subscribe a news last=5 queue=8\n"
      "5ms expect a chat resumed \"offset too old\"\n");
  EXPECT_EQ(s.settings.history, 20u);
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_TRUE(s.events[1].sinceRead);
  EXPECT_FALSE(s.events[1].last.has_value());
  EXPECT_EQ(s.events[2].last, 5u);
  EXPECT_EQ(s.events[3].expect.kind, Expectation::Kind::kResumed);
  EXPECT_EQ(s.events[3].expect.reason, "offset too old");
  const Scenario again = parseOk(formatScenario(s));
  EXPECT_EQ(again.settings, s.settings);
  EXPECT_EQ(again.events, s.events);
}

TEST(ScenarioParserTest, ExpectMayNameTheClientWithTheWordClient) {
  const Scenario s = parseOk(
      "0ms join bob\n0ms join client\n5ms expect client bob closed 1008\n6ms expect client received 2\n");
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_EQ(s.events[2].client, "bob");
  EXPECT_EQ(s.events[2].expect.code, 1008);
  EXPECT_EQ(s.events[3].client, "client");
  EXPECT_EQ(s.events[3].expect.count, 2u);
}

// A topic after the client's name picks the client's latest connection to it.
TEST(ScenarioParserTest, ReadsATopicThatPicksOneConnection) {
  const Scenario s = parseOk(
      "0ms join alice\n"
      "0ms subscribe alice chat\n"
      "0ms subscribe alice news\n"
      "1ms stall alice news\n"
      "2ms resume alice news rate=50\n"
      "3ms send alice news \"on news\" size=20\n"
      "4ms expect alice news received >=2\n"
      "5ms expect alice chat published 1\n"
      "6ms expect alice chat rejected <=3 kind=busy\n"
      "7ms expect alice news closed 1000 \"client left\"\n"
      "8ms expect alice chat open\n"
      "9ms expect alice chat refused\n"
      "10ms expect client alice chat received 1\n");
  ASSERT_EQ(s.events.size(), 13u);
  const std::vector<std::string> topics{"news", "news", "news", "news", "chat", "chat", "news", "chat", "chat", "chat"};
  for (std::size_t i = 3; i < s.events.size(); ++i) {
    EXPECT_EQ(s.events[i].client, "alice") << formatEvent(s.events[i]);
    EXPECT_EQ(s.events[i].topic, topics[i - 3]) << formatEvent(s.events[i]);
  }
  EXPECT_EQ(s.events[3].kind, Event::Kind::kStall);
  EXPECT_EQ(s.events[4].kind, Event::Kind::kResume);
  EXPECT_EQ(s.events[4].rate, 50u);
  EXPECT_EQ(s.events[5].kind, Event::Kind::kSend);
  EXPECT_EQ(s.events[5].text, "on news");
  EXPECT_EQ(s.events[5].size, 20u);
  EXPECT_EQ(s.events[6].expect.kind, Expectation::Kind::kReceived);
  EXPECT_EQ(s.events[6].expect.compare, Expectation::Compare::kAtLeast);
  EXPECT_EQ(s.events[7].expect.kind, Expectation::Kind::kPublished);
  EXPECT_EQ(s.events[8].expect.kind, Expectation::Kind::kRejected);
  EXPECT_EQ(s.events[8].expect.compare, Expectation::Compare::kAtMost);
  EXPECT_EQ(s.events[8].expect.count, 3u);
  EXPECT_EQ(s.events[8].expect.rejection, RejectionKind::kBusy);
  EXPECT_EQ(s.events[9].expect.reason, "client left");
  EXPECT_EQ(s.events[10].expect.kind, Expectation::Kind::kOpen);
  EXPECT_EQ(s.events[11].expect.kind, Expectation::Kind::kRefused);
  EXPECT_EQ(s.events[12].expect.kind, Expectation::Kind::kReceived);

  // Written back, each line keeps its topic: the shrinker writes scenarios this way.
  const Scenario again = parseOk(formatScenario(s));
  ASSERT_EQ(again.events.size(), s.events.size());
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    Event expected = s.events[i];
    expected.line = again.events[i].line;
    EXPECT_EQ(again.events[i], expected) << formatEvent(s.events[i]);
  }
  EXPECT_EQ(formatEvent(s.events[8]), "6ms expect alice chat rejected <=3 kind=busy");
}

// The lines a scenario wrote before topics could follow the client keep their meaning.
TEST(ScenarioParserTest, WithoutATopicALineIsAboutTheWholeClient) {
  const Scenario s = parseOk(
      "0ms join alice\n"
      "0ms subscribe alice chat\n"
      "1ms stall alice\n"
      "2ms resume alice rate=5\n"
      "3ms send alice \"hi\"\n"
      "4ms expect alice received 3\n"
      "5ms expect alice rejected 2 kind=bad_request\n"
      "6ms expect alice open\n");
  ASSERT_EQ(s.events.size(), 8u);
  for (std::size_t i = 2; i < s.events.size(); ++i) EXPECT_EQ(s.events[i].topic, "") << formatEvent(s.events[i]);
  EXPECT_EQ(s.events[4].text, "hi");
  EXPECT_EQ(s.events[6].expect.rejection, RejectionKind::kBadRequest);
  EXPECT_FALSE(s.events[5].expect.rejection.has_value());
}

// The word after the client is a topic unless it is an expectation word; a topic spelled
// like one is still read as a topic when an expectation word follows it.
TEST(ScenarioParserTest, ATopicMayBeSpelledLikeAnExpectation) {
  const Scenario s = parseOk(
      "0ms join alice\n"
      "0ms subscribe alice received\n"
      "0ms subscribe alice open\n"
      "1ms expect alice received received 2\n"
      "2ms expect alice open open\n"
      "3ms expect alice received 2\n"
      "4ms stall alice received\n"
      "5ms send alice open \"hi\"\n");
  ASSERT_EQ(s.events.size(), 8u);
  EXPECT_EQ(s.events[3].topic, "received");
  EXPECT_EQ(s.events[3].expect.kind, Expectation::Kind::kReceived);
  EXPECT_EQ(s.events[3].expect.count, 2u);
  EXPECT_EQ(s.events[4].topic, "open");
  EXPECT_EQ(s.events[4].expect.kind, Expectation::Kind::kOpen);
  EXPECT_EQ(s.events[5].topic, "");
  EXPECT_EQ(s.events[6].topic, "received");
  EXPECT_EQ(s.events[7].topic, "open");
  const Scenario again = parseOk(formatScenario(s));
  ASSERT_EQ(again.events.size(), s.events.size());
  for (std::size_t i = 0; i < s.events.size(); ++i) EXPECT_EQ(again.events[i].topic, s.events[i].topic);
}

// "expect client NAME ..." still skips the word client; a client called "client" may
// name its own topics.
TEST(ScenarioParserTest, TheWordClientBeforeAClientAndATopic) {
  const Scenario s = parseOk(
      "0ms join client\n"
      "0ms join bob\n"
      "0ms subscribe client chat\n"
      "0ms subscribe bob chat\n"
      "1ms expect client chat received 1\n"
      "2ms expect client bob chat received 1\n");
  ASSERT_EQ(s.events.size(), 6u);
  EXPECT_EQ(s.events[4].client, "client");
  EXPECT_EQ(s.events[4].topic, "chat");
  EXPECT_EQ(s.events[5].client, "bob");
  EXPECT_EQ(s.events[5].topic, "chat");
}

TEST(ScenarioParserTest, WrittenScenarioReadsBackTheSame) {
  const Scenario first = parseOk(
      "set seed 3\nset closeTimeout 250ms\n0ms join a latency=1500us rate=20\n0ms subscribe a chat queue=4\n"
      "1ms burst a chat 5 every=100us size=300\n2ms send a \"q\\\"uote\"\n3ms shutdown grace=1s\nend expect "
      "a received <=5\n");
  const Scenario second = parseOk(formatScenario(first));
  EXPECT_EQ(first.settings, second.settings);
  ASSERT_EQ(first.events.size(), second.events.size());
  for (std::size_t i = 0; i < first.events.size(); ++i) {
    Event a = first.events[i];
    Event b = second.events[i];
    a.line = b.line = 0;  // the writer drops comments and blank lines
    EXPECT_EQ(a, b) << formatEvent(first.events[i]);
  }
}

struct BadInput {
  const char* name;
  const char* text;
  int line;
  const char* message;
};

void PrintTo(const BadInput& input, std::ostream* out) { *out << input.name; }

class ScenarioParserErrorTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(ScenarioParserErrorTest, NamesFileLineAndWhatWasExpected) {
  ParseResult result = parseScenario(GetParam().text, "bad.scn");
  ASSERT_TRUE(std::holds_alternative<ParseError>(result)) << GetParam().text;
  const ParseError& error = std::get<ParseError>(result);
  EXPECT_EQ(error.line, GetParam().line);
  EXPECT_NE(error.message.find(GetParam().message), std::string::npos) << error.text();
  EXPECT_EQ(error.text().rfind("bad.scn:" + std::to_string(GetParam().line) + ": ", 0), 0u) << error.text();
}

INSTANTIATE_TEST_SUITE_P(
    BadLines, ScenarioParserErrorTest,
    ::testing::Values(
        BadInput{"UnknownEvent", "0ms join alice\n\n5ms subscrbe alice chat\n", 3,
                 "unknown event 'subscrbe': expected join, subscribe"},
        BadInput{"ClientBeforeJoin", "0ms subscribe bob chat\n", 1, "client 'bob' is used before it joined"},
        BadInput{"TimeGoesBack", "10ms join a\n5ms join b\n", 2,
                 "time 5ms is earlier than the line before (10ms)"},
        BadInput{"BadTopic", "0ms join a\n0ms subscribe a bad/topic\n", 2, "bad topic 'bad/topic'"},
        BadInput{"UnquotedText", "0ms join a\n0ms send a hello\n", 2,
                 "expected the message text in double quotes, got 'hello'"},
        BadInput{"UnterminatedString", "0ms join a\n0ms send a \"open\n", 2, "unterminated string"},
        BadInput{"BadDuration", "0ms join a latency=fast\n", 1,
                 "expected latency as a duration like 250us, 10ms or 1.5s, got 'fast'"},
        BadInput{"ZeroBurst", "0ms join a\n0ms burst a chat 0\n", 2,
                 "expected the burst's message count as a whole number from 1"},
        BadInput{"SetAfterEvent", "0ms join a\nset seed 3\n", 2,
                 "'set' lines must come before the first event"},
        BadInput{"UnknownSetting", "set speed 3\n", 1, "unknown setting 'speed'"},
        BadInput{"EndOnNonExpect", "0ms join a\nend join b\n", 2, "only 'expect' may be timed 'end'"},
        BadInput{"TimedAfterEnd", "0ms join a\nend expect a received 1\n5ms stall a\n", 3,
                 "timed events cannot follow an 'end' line"},
        BadInput{"BadCloseCode", "0ms join a\n0ms expect a closed 99\n", 2,
                 "expected a close code from 1000 to 4999, got '99'"},
        BadInput{"UnknownExpectation", "0ms join a\n0ms expect a happy\n", 2,
                 "expected received, published, rejected, closed, open, refused, got, ended or resumed"},
        BadInput{"BadEscape", "0ms join a\n0ms raw a \"\\xZZ\"\n", 2, "expected two hex digits after \\x"},
        BadInput{"EmptyRaw", "0ms join a\n0ms raw a \"\"\n", 2, "expected at least one byte to send"},
        BadInput{"UnknownOpcode", "0ms join a\n0ms frame a shout \"x\"\n", 2,
                 "expected an opcode (text, binary, continuation, close, ping, pong or 0-15), got 'shout'"},
        BadInput{"OpcodeTooBig", "0ms join a\n0ms frame a 16\n", 2, "got '16'"},
        BadInput{"BadFin", "0ms join a\n0ms frame a text \"x\" fin=2\n", 2, "expected fin=0 or fin=1, got '2'"},
        BadInput{"BadFrameCode", "0ms join a\n0ms frame a close code=70000\n", 2,
                 "expected code= from 0 to 65535, got '70000'"},
        BadInput{"EmptyGot", "0ms join a\n0ms expect a got \"\"\n", 2, "expected at least one byte after 'got'"},
        BadInput{"UnknownOption", "0ms join a colour=red\n", 1,
                 "unknown option 'colour=': expected one of latency=, jitter=, window=, rate="},
        BadInput{"JoinedTwice", "0ms join a\n0ms join a\n", 2, "client 'a' already joined"},
        BadInput{"BadQueue", "0ms join a\n0ms subscribe a chat queue=many\n", 2,
                 "expected queue (messages) as a whole number"},
        BadInput{"TrailingWord", "0ms join a\n0ms disconnect a now\n", 2,
                 "unexpected 'now': expected the end of the line"},
        // A topic after the client picks one connection; one never subscribed to is a mistake.
        BadInput{"StallOfATopicNeverSubscribed", "0ms join a\n0ms subscribe a chat\n0ms stall a news\n", 3,
                 "client 'a' has not subscribed to 'news' before this stall line: add a 'subscribe a news' line "
                 "first"},
        BadInput{"ResumeOfATopicNeverSubscribed", "0ms join a\n0ms resume a news rate=5\n", 2,
                 "client 'a' has not subscribed to 'news' before this resume line"},
        BadInput{"SendOnATopicNeverSubscribed", "0ms join a\n0ms send a news \"hi\"\n", 2,
                 "client 'a' has not subscribed to 'news' before this send line"},
        BadInput{"ExpectOnATopicNeverSubscribed", "0ms join a\n0ms subscribe a chat\n5ms expect a chta received 1\n",
                 3, "client 'a' has not subscribed to 'chta' before this expect line"},
        BadInput{"SubscribeLaterThanTheExpect", "0ms join a\n1ms expect a chat open\n2ms subscribe a chat\n", 2,
                 "client 'a' has not subscribed to 'chat' before this expect line"},
        BadInput{"BadTopicBeforeAnExpectation", "0ms join a\n0ms expect a bad/topic received 1\n", 2,
                 "bad topic 'bad/topic'"},
        BadInput{"TopicThenNoExpectation", "0ms join a\n0ms subscribe a chat\n0ms expect a chat happy 1\n", 3,
                 "expected received, published, rejected, closed, open, refused, got, ended or resumed after the topic "
                 "'chat', got 'happy'"},
        BadInput{"SinceOtherThanRead", "0ms join a\n0ms subscribe a chat since=5\n", 2, "expected since=read"},
        BadInput{"SinceWithLast", "0ms join a\n0ms subscribe a chat since=read last=2\n", 2,
                 "since=read and last= cannot be combined"},
        BadInput{"ResumedWithoutAVerdict", "0ms join a\n0ms subscribe a chat\n0ms expect a chat resumed\n", 3,
                 "\"ok\" or the reason"},
        BadInput{"GotTakesNoTopic", "0ms join a\n0ms subscribe a chat\n0ms expect a chat got \"x\"\n", 3,
                 "'got' takes no topic"},
        BadInput{"EndedTakesNoTopic", "0ms join a\n0ms subscribe a chat\n0ms expect a chat ended\n", 3,
                 "'ended' takes no topic"},
        BadInput{"UnknownRejectionKind", "0ms join a\n0ms expect a rejected 1 kind=slow\n", 2,
                 "unknown rejection kind 'slow': expected bad_request, bad_topic, busy, draining, rate_limited, "
                 "unauthorized, forbidden or unavailable"},
        BadInput{"TokenWithoutTokensOn", "0ms join a token=5s\n", 1,
                 "token= needs 'set tokens on' before the first event"},
        BadInput{"TokenNotALifetime", "set tokens on\n0ms join a token=soon\n", 2, "token (none, forged, forever or a lifetime)"},
        BadInput{"TokensNeitherOnNorOff", "set tokens maybe\n", 1, "expected tokens on or off, got 'maybe'"},
        BadInput{"UnknownIsNoRejectionKindAScenarioNames", "0ms join a\n0ms expect a rejected 1 kind=unknown\n", 2,
                 "unknown rejection kind 'unknown'"},
        BadInput{"KindOnlyForRejected", "0ms join a\n0ms expect a published 1 kind=busy\n", 2,
                 "unknown option 'kind='"},
        BadInput{"KindGivenTwice", "0ms join a\n0ms expect a rejected 1 kind=busy kind=busy\n", 2,
                 "option 'kind=' given twice"},
        BadInput{"BadClientName", "0ms join a/b\n", 1, "expected a client name"},
        BadInput{"MissingEvent", "0ms\n", 1, "expected an event after the time"},
        BadInput{"BadTime", "soon join a\n", 1, "expected a time (like 10ms) or 'end' as a duration"},
        // Found by tests/fuzz/scenario_fuzzer: 1e10 s is past the signed nanosecond count.
        BadInput{"DurationTooLong", "0ms join a latency=10000000000s\n", 1,
                 "expected latency as a duration below a year (31536000s), got '10000000000s'"},
        BadInput{"TimeTooLong", "222222222222220ms join a\n", 1, "as a duration below a year"},
        BadInput{"BytesWrapAround", "set queueBytes 18014398509481984KiB\n", 1,
                 "expected queueBytes as a positive byte count"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST(ScenarioParserTest, ReadsByteLevelClientLines) {
  const Scenario s = parseOk(
      "0ms join eve\n"
      "1ms raw eve \"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n\\x00\\xff\\t\"\n"
      "2ms frame eve text \"hi\"\n"
      "3ms frame eve close \"bye\" code=1000\n"
      "4ms frame eve 5 \"odd\" fin=0 mask=0\n"
      "5ms frame eve ping\n"
      "6ms expect eve got \"HTTP/1.1 200\\r\\n\"\n"
      "7ms expect eve ended\n");
  ASSERT_EQ(s.events.size(), 8u);
  EXPECT_EQ(s.events[1].kind, Event::Kind::kRaw);
  EXPECT_EQ(s.events[1].text, std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n\0\xff\t", 30));
  EXPECT_EQ(s.events[2].kind, Event::Kind::kFrame);
  EXPECT_EQ(s.events[2].opcode, 1);
  EXPECT_EQ(s.events[2].text, "hi");
  EXPECT_EQ(s.events[3].opcode, 8);
  EXPECT_EQ(s.events[3].closeCode, 1000);
  EXPECT_EQ(s.events[4].opcode, 5);
  EXPECT_FALSE(s.events[4].fin);
  EXPECT_FALSE(s.events[4].masked);
  EXPECT_EQ(s.events[5].opcode, 9);
  EXPECT_EQ(s.events[5].text, "");
  EXPECT_EQ(s.events[6].expect.kind, Expectation::Kind::kGot);
  EXPECT_EQ(s.events[6].expect.bytes, "HTTP/1.1 200\r\n");
  EXPECT_EQ(s.events[7].expect.kind, Expectation::Kind::kEnded);

  // Written back, every byte survives: the shrinker writes scenarios this way.
  const Scenario again = parseOk(formatScenario(s));
  ASSERT_EQ(again.events.size(), s.events.size());
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    Event expected = s.events[i];
    expected.line = again.events[i].line;
    EXPECT_EQ(again.events[i], expected) << formatEvent(s.events[i]);
  }
}

TEST(ScenarioParserTest, UnreadableFileIsAnErrorOnLineZero) {
  ParseResult result = loadScenario("/nonexistent/dir/x.scn");
  ASSERT_TRUE(std::holds_alternative<ParseError>(result));
  EXPECT_EQ(std::get<ParseError>(result).text(), "/nonexistent/dir/x.scn:0: cannot read the file");
}

}  // namespace
}  // namespace spread::sim
