// Proves the HTTP/1.1 request parser reads well-formed requests correctly, with no
// sockets: whole, pipelined, or fed a byte at a time (plain and chunked bodies), and that
// the request's header queries (keep-alive, upgrade, Expect) follow RFC 9110/9112.
#include <gtest/gtest.h>

#include <string>

#include "http/http_request_parser.h"
#include "http_parse_run.h"

namespace spread::plugins::websocket {
namespace {

using testing::parseStream;
using Status = HttpRequestParser::Status;

const std::string kPost =
    "POST /publish?topic=a HTTP/1.1\r\n"
    "Host: localhost:8000\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 27\r\n"
    "\r\n"
    "{\"name\":\"bob\",\"msg\":\"hi!\"}\n";

const std::string kChunkedPost =
    "POST /publish HTTP/1.1\r\n"
    "Host: x\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5;note=\"first part\"\r\n"
    "hello\r\n"
    "0000006 ; last\r\n"
    ", worl\r\n"
    "1\r\n"
    "d\r\n"
    "0\r\n"
    "Checksum: abc\r\n"
    "Server-Timing: done\r\n"
    "\r\n";

void expectSameRequest(const HttpRequest& actual, const HttpRequest& expected) {
  EXPECT_EQ(actual.method, expected.method);
  EXPECT_EQ(actual.target, expected.target);
  EXPECT_EQ(actual.versionMinor, expected.versionMinor);
  ASSERT_EQ(actual.headers.size(), expected.headers.size());
  for (std::size_t i = 0; i < actual.headers.size(); ++i) {
    EXPECT_EQ(actual.headers[i].name, expected.headers[i].name);
    EXPECT_EQ(actual.headers[i].value, expected.headers[i].value);
  }
  EXPECT_EQ(actual.body, expected.body);
}

HttpRequest parseOne(const std::string& bytes) {
  const auto run = parseStream(bytes);
  EXPECT_EQ(run.last, Status::kNeedMore) << run.error.message;
  EXPECT_EQ(run.requests.size(), 1u);
  return run.requests.empty() ? HttpRequest{} : run.requests.front();
}

TEST(HttpRequestParserTest, ParsesPostWithContentLength) {
  const HttpRequest request = parseOne(kPost);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/publish?topic=a");
  EXPECT_EQ(request.versionMinor, 1);
  ASSERT_EQ(request.headers.size(), 3u);
  EXPECT_EQ(request.headers[0].name, "Host");
  EXPECT_EQ(request.headers[0].value, "localhost:8000");
  EXPECT_EQ(request.headers[2].name, "Content-Length");
  EXPECT_EQ(request.body, "{\"name\":\"bob\",\"msg\":\"hi!\"}\n");
}

TEST(HttpRequestParserTest, ParsesGetWithoutBody) {
  const HttpRequest request = parseOne("GET /healthz HTTP/1.0\r\nUser-Agent: t\r\n\r\n");
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/healthz");
  EXPECT_EQ(request.versionMinor, 0);
  EXPECT_EQ(request.body, "");
}

TEST(HttpRequestParserTest, AcceptsBareLineFeedsAndSkipsEmptyLinesBeforeTheRequest) {
  const HttpRequest request = parseOne("\r\n\nPOST /p HTTP/1.1\nContent-Length: 2\n\nok");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/p");
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].value, "2");
  EXPECT_EQ(request.body, "ok");
}

TEST(HttpRequestParserTest, TrimsWhitespaceAroundHeaderValues) {
  const HttpRequest request = parseOne("GET / HTTP/1.1\r\nX-A:\t  spaced out \t\r\nX-Empty:\r\n\r\n");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[0].value, "spaced out");
  EXPECT_EQ(request.headers[1].value, "");
}

TEST(HttpRequestParserTest, PipelinedRequestsComeOutOneAtATime) {
  const std::string second = "POST /publish HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  const std::string third = "GET /next HTTP/1.1\r\n";  // incomplete
  HttpRequestParser parser;
  parser.feed(kPost + second + third);

  HttpRequest request;
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.target, "/publish?topic=a");
  EXPECT_EQ(request.body, "{\"name\":\"bob\",\"msg\":\"hi!\"}\n");
  EXPECT_EQ(parser.buffered(), second.size() + third.size());

  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.target, "/publish");
  EXPECT_EQ(request.body, "abc");
  ASSERT_EQ(request.headers.size(), 1u);  // nothing left over from the first request

  EXPECT_EQ(parser.next(request), Status::kNeedMore);
  EXPECT_EQ(parser.buffered(), third.size());
  parser.feed("\r\n");
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.target, "/next");
  EXPECT_EQ(request.body, "");
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(HttpRequestParserTest, PiecesOfAnySizeGiveTheSameRequestsAsOnePiece) {
  for (const std::string& stream : {kPost + kPost, kChunkedPost + kPost}) {
    const auto whole = parseStream(stream);
    ASSERT_EQ(whole.requests.size(), 2u) << whole.error.message;
    // A byte at a time splits every line end and chunk boundary; the other sizes split
    // the stream at assorted places.
    for (std::size_t piece : {1, 2, 3, 7, 16, 61}) {
      SCOPED_TRACE("pieces of " + std::to_string(piece) + " bytes");
      const auto split = parseStream(stream, piece);
      ASSERT_EQ(split.requests.size(), 2u) << split.error.message;
      for (std::size_t i = 0; i < 2; ++i) expectSameRequest(split.requests[i], whole.requests[i]);
      EXPECT_EQ(split.last, Status::kNeedMore);
    }
  }
}

TEST(HttpRequestParserTest, DechunksABodyWithExtensionsAndDropsTrailers) {
  const HttpRequest request = parseOne(kChunkedPost);
  EXPECT_EQ(request.body, "hello, world");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.header("Checksum"), nullptr);
  EXPECT_EQ(request.header("Server-Timing"), nullptr);
}

TEST(HttpRequestParserTest, AcceptsManySmallChunksWithLongExtensions) {
  // 1000 one-byte chunks, each under a 1000-byte extension: about 1 MB of framing that
  // counts against neither limit, for a 1000-byte body.
  std::string stream = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    const char byte = static_cast<char>('a' + i % 26);
    stream += "1;x=" + std::string(990, 'e') + "\r\n" + byte + "\r\n";
    expected += byte;
  }
  stream += "0\r\n\r\n";
  const auto run = parseStream(stream, 4096);
  ASSERT_EQ(run.requests.size(), 1u) << run.error.message;
  EXPECT_EQ(run.requests[0].body, expected);
}

TEST(HttpRequestParserTest, AcceptsAnEmptyChunkedBodyWithBareLineFeeds) {
  const HttpRequest request = parseOne("POST / HTTP/1.1\nTransfer-Encoding: Chunked\n\n2\nab\n0\n\n");
  EXPECT_EQ(request.body, "ab");
  const HttpRequest empty = parseOne("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(empty.body, "");
}

TEST(HttpRequestParserTest, AcceptsRepeatedEqualContentLengths) {
  EXPECT_EQ(parseOne("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc").body, "abc");
  EXPECT_EQ(parseOne("POST / HTTP/1.1\r\nContent-Length: 3, 003\r\n\r\nabc").body, "abc");
}

TEST(HttpRequestParserTest, AcceptsAHeadOfExactlyTheLimit) {
  HttpParserLimits limits;
  limits.headerBytesMax = 64;
  std::string head = "GET / HTTP/1.1\r\nX: ";
  head += std::string(64 - head.size() - 4, 'v') + "\r\n\r\n";
  ASSERT_EQ(head.size(), 64u);
  EXPECT_EQ(parseStream(head, 0, limits).requests.size(), 1u);
  EXPECT_EQ(parseStream(head, 1, limits).requests.size(), 1u);
  const auto over = parseStream("GET / HTTP/1.1\r\nX: v" + head.substr(19), 0, limits);
  EXPECT_EQ(over.last, Status::kError);
  EXPECT_EQ(over.error.status, 431);
}

TEST(HttpRequestParserTest, AcceptsExactlyTheMaximumHeaderCountAndBodySize) {
  HttpParserLimits limits;
  limits.headerCountMax = 3;
  limits.bodyBytesMax = 4;
  const std::string request = "POST / HTTP/1.1\r\nA: 1\r\nB: 2\r\nContent-Length: 4\r\n\r\nabcd";
  const auto run = parseStream(request, 0, limits);
  ASSERT_EQ(run.requests.size(), 1u) << run.error.message;
  EXPECT_EQ(run.requests[0].body, "abcd");
  const auto chunked =
      parseStream("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n", 0, limits);
  ASSERT_EQ(chunked.requests.size(), 1u) << chunked.error.message;
  EXPECT_EQ(chunked.requests[0].body, "abcd");
}

TEST(HttpRequestParserTest, HeaderLookupIgnoresCaseAndReturnsTheFirst) {
  const HttpRequest request = parseOne("GET / HTTP/1.1\r\nX-Topic: one\r\nx-topic: two\r\nHOST: h\r\n\r\n");
  ASSERT_NE(request.header("x-TOPIC"), nullptr);
  EXPECT_EQ(*request.header("x-TOPIC"), "one");
  ASSERT_NE(request.header("host"), nullptr);
  EXPECT_EQ(*request.header("host"), "h");
  EXPECT_EQ(request.header("X-Topi"), nullptr);
  EXPECT_EQ(request.header("Cookie"), nullptr);
}

struct KeepAliveCase {
  const char* version;
  const char* connectionLines;
  bool keepAlive;
};

class HttpRequestParserKeepAliveTest : public ::testing::TestWithParam<KeepAliveCase> {};

TEST_P(HttpRequestParserKeepAliveTest, FollowsVersionAndConnectionTokens) {
  const KeepAliveCase& c = GetParam();
  const HttpRequest request =
      parseOne(std::string("GET / HTTP/") + c.version + "\r\n" + c.connectionLines + "\r\n");
  EXPECT_EQ(request.keepAlive(), c.keepAlive);
}

INSTANTIATE_TEST_SUITE_P(
    HttpRequestParserKeepAlive, HttpRequestParserKeepAliveTest,
    ::testing::Values(KeepAliveCase{"1.1", "", true}, KeepAliveCase{"1.1", "Connection: close\r\n", false},
                      KeepAliveCase{"1.1", "Connection: CLOSE\r\n", false},
                      KeepAliveCase{"1.1", "Connection: Upgrade, close\r\n", false},
                      KeepAliveCase{"1.1", "Connection: upgrade\r\nConnection: close\r\n", false},
                      KeepAliveCase{"1.1", "Connection: closed\r\n", true},
                      KeepAliveCase{"1.1", "Connection: keep-alive\r\n", true},
                      KeepAliveCase{"1.0", "", false}, KeepAliveCase{"1.0", "Connection: Keep-Alive\r\n", true},
                      KeepAliveCase{"1.0", "Connection: foo ,keep-alive\r\n", true},
                      KeepAliveCase{"1.0", "Connection: keep-alive, close\r\n", false},
                      KeepAliveCase{"1.0", "Connection: keep-alive-not\r\n", false}));

TEST(HttpRequestParserTest, ReportsConnectionUpgradeAndExpectContinue) {
  const HttpRequest upgrade =
      parseOne("GET /subscribe HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nExpect: 100-Continue\r\n\r\n");
  EXPECT_TRUE(upgrade.connectionUpgrade());
  EXPECT_TRUE(upgrade.expectsContinue());
  const HttpRequest plain = parseOne("GET / HTTP/1.1\r\nConnection: upgrades\r\nExpect: 100-continued\r\n\r\n");
  EXPECT_FALSE(plain.connectionUpgrade());
  EXPECT_FALSE(plain.expectsContinue());
}

TEST(HttpRequestParserTest, ShowsTheHeadWhileTheBodyIsAwaited) {
  HttpRequestParser parser;
  HttpRequest request;
  parser.feed("POST /publish HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n");
  EXPECT_EQ(parser.next(request), Status::kNeedMore);
  EXPECT_EQ(parser.requestAwaitingBody(), nullptr);  // the head is not complete yet
  parser.feed("\r\nab");
  EXPECT_EQ(parser.next(request), Status::kNeedMore);
  const HttpRequest* head = parser.requestAwaitingBody();
  ASSERT_NE(head, nullptr);
  EXPECT_TRUE(head->expectsContinue());
  EXPECT_EQ(head->target, "/publish");
  parser.feed("cd");
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.body, "abcd");
  EXPECT_EQ(parser.requestAwaitingBody(), nullptr);
}

TEST(HttpRequestParserTest, BufferedCountsEveryByteNotYetReturned) {
  HttpRequestParser parser;
  HttpRequest request;
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
  parser.feed(head + "12345");
  EXPECT_EQ(parser.next(request), Status::kNeedMore);
  EXPECT_EQ(parser.buffered(), head.size() + 5);
  parser.feed("67890GET");
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.body, "1234567890");
  EXPECT_EQ(parser.buffered(), 3u);
}

TEST(HttpRequestParserTest, TakeBufferedReturnsTheBytesAfterARequest) {
  HttpRequestParser parser;
  HttpRequest request;
  const std::string frames("\x81\x85\x01\x02\x03\x04hello\r\n", 13);
  parser.feed("GET /subscribe HTTP/1.1\r\nConnection: Upgrade\r\n\r\n" + frames);
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_TRUE(request.connectionUpgrade());
  EXPECT_EQ(parser.takeBuffered(), frames);
  EXPECT_EQ(parser.buffered(), 0u);
  EXPECT_EQ(parser.takeBuffered(), "");
  EXPECT_EQ(parser.next(request), Status::kNeedMore);
}

TEST(HttpRequestParserTest, OverwritesEveryFieldOfAReusedRequest) {
  HttpRequest request;
  request.method = "STALE";
  request.target = "/stale";
  request.versionMinor = 7;
  request.headers.push_back({"Stale", "yes"});
  request.body = "stale body";
  HttpRequestParser parser;
  parser.feed("GET / HTTP/1.0\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.versionMinor, 0);
  EXPECT_TRUE(request.headers.empty());
  EXPECT_EQ(request.body, "");
  // The storage handed back in is recycled for the next request; nothing of it may leak.
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.target, "/b");
  EXPECT_EQ(request.versionMinor, 1);
  EXPECT_TRUE(request.headers.empty());
  EXPECT_EQ(request.body, "");
}

}  // namespace
}  // namespace spread::plugins::websocket
