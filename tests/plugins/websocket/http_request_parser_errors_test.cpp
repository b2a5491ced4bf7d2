// Proves the HTTP/1.1 request parser refuses every malformed or oversized request with the
// right status, field and a sentence naming the problem, fed whole and a byte at a time;
// that size limits are enforced before the offending bytes arrive; and that it then stays stopped.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "http/http_request_parser.h"
#include "http_parse_run.h"

namespace spread::plugins::websocket {
namespace {

using testing::parseStream;
using Status = HttpRequestParser::Status;

struct RefusalCase {
  const char* name;
  std::string bytes;
  int status;
  const char* field;
  const char* messagePart;
};

// Small limits keep the oversized cases short.
HttpParserLimits smallLimits() {
  HttpParserLimits limits;
  limits.headerBytesMax = 256;
  limits.headerCountMax = 4;
  limits.bodyBytesMax = 16;
  return limits;
}

std::string withHeaders(const std::string& headerLines) { return "POST /p HTTP/1.1\r\n" + headerLines + "\r\n"; }
std::string chunked(const std::string& body) { return withHeaders("Transfer-Encoding: chunked\r\n") + body; }

void PrintTo(const RefusalCase& c, std::ostream* out) { *out << c.name; }

class HttpRequestParserRefusalTest : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(HttpRequestParserRefusalTest, RefusesWithStatusFieldAndReason) {
  const RefusalCase& c = GetParam();
  for (std::size_t piece : {std::size_t{0}, std::size_t{1}}) {
    SCOPED_TRACE(piece == 0 ? "fed whole" : "fed a byte at a time");
    const auto run = parseStream(c.bytes, piece, smallLimits());
    ASSERT_EQ(run.last, Status::kError);
    EXPECT_TRUE(run.requests.empty());
    EXPECT_EQ(run.error.status, c.status);
    EXPECT_EQ(run.error.field, c.field);
    EXPECT_NE(run.error.message.find(c.messagePart), std::string::npos) << "message: " << run.error.message;
  }
}

const std::string kLongValue(300, 'v');

INSTANTIATE_TEST_SUITE_P(
    HttpRequestParserRequestLine, HttpRequestParserRefusalTest,
    ::testing::Values(
        RefusalCase{"NoSpaces", "GET\r\n\r\n", 400, "request-line", "request line must be"},
        RefusalCase{"NoVersion", "GET /\r\n\r\n", 400, "request-line", "request line must be"},
        RefusalCase{"EmptyMethod", " / HTTP/1.1\r\n\r\n", 400, "request-line", "method is not a token"},
        RefusalCase{"MethodNotAToken", "G(T / HTTP/1.1\r\n\r\n", 400, "request-line", "method is not a token"},
        RefusalCase{"EmptyTarget", "GET  HTTP/1.1\r\n\r\n", 400, "request-line", "target is empty"},
        RefusalCase{"TwoSpacesBeforeTarget", "GET  / HTTP/1.1\r\n\r\n", 400, "request-line", "target contains"},
        RefusalCase{"SpaceInTarget", "GET /a b HTTP/1.1\r\n\r\n", 400, "request-line", "target contains"},
        RefusalCase{"ControlInTarget", "GET /a\x01 HTTP/1.1\r\n\r\n", 400, "request-line", "target contains"},
        RefusalCase{"TabInTarget", "GET /a\tb HTTP/1.1\r\n\r\n", 400, "request-line", "target contains"},
        RefusalCase{"LowercaseVersion", "GET / http/1.1\r\n\r\n", 400, "request-line", "HTTP version"},
        RefusalCase{"GarbageVersion", "GET / HTTP/11\r\n\r\n", 400, "request-line", "HTTP version"},
        RefusalCase{"TrailingSpace", "GET / HTTP/1.1 \r\n\r\n", 400, "request-line", "HTTP version"},
        RefusalCase{"StrayCarriageReturn", "GET / HTTP/1.1\r\r\n\r\n", 400, "request-line", "HTTP version"},
        RefusalCase{"Version2", "GET / HTTP/2.0\r\n\r\n", 505, "request-line", "HTTP version 2.0 is not supported"},
        RefusalCase{"Version12", "GET / HTTP/1.2\r\n\r\n", 505, "request-line", "HTTP version 1.2 is not supported"},
        RefusalCase{"Version09", "GET / HTTP/0.9\r\n\r\n", 505, "request-line", "HTTP version 0.9 is not supported"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    HttpRequestParserHeaderLines, HttpRequestParserRefusalTest,
    ::testing::Values(
        RefusalCase{"ObsoleteFold", withHeaders("X: a\r\n b\r\n"), 400, "headers", "obsolete line folding"},
        RefusalCase{"FirstLineFolded", withHeaders("\tX: a\r\n"), 400, "headers", "obsolete line folding"},
        RefusalCase{"NoColon", withHeaders("Host localhost\r\n"), 400, "headers", "no colon"},
        RefusalCase{"EmptyName", withHeaders(": x\r\n"), 400, "headers", "empty field name"},
        RefusalCase{"SpaceBeforeColon", withHeaders("Content-Length : 0\r\n"), 400, "headers", "whitespace between"},
        RefusalCase{"BadNameChar", withHeaders("Ho(st: x\r\n"), 400, "headers", "not allowed in a token"},
        RefusalCase{"ControlInValue", withHeaders("X-A: a\x01z\r\n"), 400, "X-A", "X-A contains a control"},
        RefusalCase{"NulInValue", withHeaders(std::string("X-A: a\0z\r\n", 10)), 400, "X-A", "control character"},
        RefusalCase{"CarriageReturnInValue", withHeaders("X-A: a\rz\r\n"), 400, "X-A", "control character"},
        RefusalCase{"DeleteInValue", withHeaders("X-A: a\x7f\r\n"), 400, "X-A", "control character"},
        RefusalCase{"HeadTooLarge", withHeaders("X: " + kLongValue + "\r\n"), 431, "headers", "exceed 256 bytes"},
        RefusalCase{"TooManyHeaders", withHeaders("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n"), 431, "headers",
                    "more than 4 header fields"},
        RefusalCase{"TooManyEmptyLines", std::string(300, '\n') + "GET / HTTP/1.1\r\n\r\n", 431, "headers",
                    "exceed 256 bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    HttpRequestParserFraming, HttpRequestParserRefusalTest,
    ::testing::Values(
        RefusalCase{"Gzip", withHeaders("Transfer-Encoding: gzip\r\n"), 400, "Transfer-Encoding", "not accepted"},
        RefusalCase{"GzipThenChunked", withHeaders("Transfer-Encoding: gzip, chunked\r\n"), 400, "Transfer-Encoding",
                    "not accepted"},
        RefusalCase{"ChunkedTwice", withHeaders("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 400,
                    "Transfer-Encoding", "not accepted"},
        RefusalCase{"ChunkedWithParameter", withHeaders("Transfer-Encoding: chunked;q=1\r\n"), 400,
                    "Transfer-Encoding", "not accepted"},
        RefusalCase{"EmptyTransferEncoding", withHeaders("Transfer-Encoding: \r\n"), 400, "Transfer-Encoding",
                    "not accepted"},
        RefusalCase{"BothFramings", withHeaders("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400,
                    "Transfer-Encoding", "both Transfer-Encoding and Content-Length"},
        RefusalCase{"BothFramingsBadLength", withHeaders("Transfer-Encoding: chunked\r\nContent-Length: x\r\n"), 400,
                    "Transfer-Encoding", "both"},
        RefusalCase{"ChunkedInHttp10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                    "Transfer-Encoding", "HTTP/1.0"},
        RefusalCase{"LengthNotDigits", withHeaders("Content-Length: 1e3\r\n"), 400, "Content-Length", "not a number"},
        RefusalCase{"LengthSigned", withHeaders("Content-Length: +5\r\n"), 400, "Content-Length", "not a number"},
        RefusalCase{"LengthNegative", withHeaders("Content-Length: -1\r\n"), 400, "Content-Length", "not a number"},
        RefusalCase{"LengthEmpty", withHeaders("Content-Length:\r\n"), 400, "Content-Length", "not a number"},
        RefusalCase{"LengthOnlyCommas", withHeaders("Content-Length: , ,\r\n"), 400, "Content-Length",
                    "not a number"},
        RefusalCase{"LengthEmptyThenValue", withHeaders("Content-Length:\r\nContent-Length: 1\r\n"), 400,
                    "Content-Length", "not a number"},
        RefusalCase{"LengthWithSpace", withHeaders("Content-Length: 1 2\r\n"), 400, "Content-Length", "not a number"},
        RefusalCase{"LengthOverflow", withHeaders("Content-Length: 99999999999999999999999\r\n"), 400,
                    "Content-Length", "too large to be a number"},
        RefusalCase{"LengthsDiffer", withHeaders("Content-Length: 5\r\nContent-Length: 6\r\n"), 400, "Content-Length",
                    "values differ"},
        RefusalCase{"LengthListDiffers", withHeaders("Content-Length: 5, 6\r\n"), 400, "Content-Length",
                    "values differ"},
        RefusalCase{"BodyTooLarge", withHeaders("Content-Length: 17\r\n"), 413, "body", "request body exceeds 16 bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    HttpRequestParserChunked, HttpRequestParserRefusalTest,
    ::testing::Values(
        RefusalCase{"SizeNotHex", chunked("zz\r\n"), 400, "body", "not a hexadecimal number"},
        RefusalCase{"SizeEmpty", chunked("\r\n"), 400, "body", "not a hexadecimal number"},
        RefusalCase{"SizeSigned", chunked("+5\r\n"), 400, "body", "not a hexadecimal number"},
        RefusalCase{"SizeTrailingGarbage", chunked("5x\r\n"), 400, "body", "not a hexadecimal number"},
        RefusalCase{"SizeTrailingSpace", chunked("5 \r\n"), 400, "body", "whitespace without an extension"},
        RefusalCase{"SizeOverflow", chunked("1ffffffffffffffff\r\n"), 400, "body", "too large to be a number"},
        RefusalCase{"ExtensionControl", chunked("5;a=\x01\r\n"), 400, "body", "control character"},
        RefusalCase{"SizeLineTooLong", chunked("5;" + std::string(1100, 'e') + "\r\n"), 400, "body",
                    "longer than 1024 bytes"},
        RefusalCase{"NoLineEndAfterData", chunked("5\r\nhelloXY"), 400, "body", "not followed by CRLF"},
        RefusalCase{"CarriageReturnAloneAfterData", chunked("5\r\nhello\rX"), 400, "body", "not followed by CRLF"},
        RefusalCase{"ChunkTooLarge", chunked("11\r\n"), 413, "body", "request body exceeds 16 bytes"},
        RefusalCase{"ChunksTooLarge", chunked("8\r\n12345678\r\n9\r\n"), 413, "body", "exceeds 16 bytes"},
        RefusalCase{"TrailerFolded", chunked("0\r\nA: 1\r\n folded\r\n\r\n"), 400, "headers", "trailer line starts"},
        RefusalCase{"TrailerNoColon", chunked("0\r\nnope\r\n\r\n"), 400, "headers", "trailer line has no colon"},
        RefusalCase{"TrailersTooMany", chunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), 431, "headers",
                    "more than 4"},
        RefusalCase{"TrailersTooLarge", chunked("0\r\nX: " + kLongValue + "\r\n\r\n"), 431, "headers",
                    "exceed 256 bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(HttpRequestParserLimitTest, RefusesAnOversizedBodyBeforeItArrives) {
  HttpRequestParser parser(smallLimits());
  HttpRequest request;
  parser.feed("POST /p HTTP/1.1\r\nContent-Length: 100\r\n\r\n");  // not one body byte
  ASSERT_EQ(parser.next(request), Status::kError);
  EXPECT_EQ(parser.error().status, 413);
  EXPECT_EQ(parser.error().field, "body");
  EXPECT_EQ(parser.error().message, "request body exceeds 16 bytes");

  HttpRequestParser chunkedParser(smallLimits());
  chunkedParser.feed(chunked("a\r\n0123456789\r\n7\r\n"));  // 10 + 7 > 16, before the 7 bytes
  ASSERT_EQ(chunkedParser.next(request), Status::kError);
  EXPECT_EQ(chunkedParser.error().status, 413);
}

TEST(HttpRequestParserLimitTest, RefusesAnOversizedHeadBeforeItEnds) {
  HttpRequestParser parser(smallLimits());
  HttpRequest request;
  parser.feed("GET / HTTP/1.1\r\nX-Long: ");
  std::size_t fed = 24;
  Status status = Status::kNeedMore;
  // One byte at a time, no line end: the refusal must come once 256 bytes are held.
  while (status == Status::kNeedMore && fed < 10000) {
    parser.feed("v");
    ++fed;
    status = parser.next(request);
  }
  ASSERT_EQ(status, Status::kError);
  EXPECT_EQ(fed, 256u);
  EXPECT_EQ(parser.error().status, 431);
  EXPECT_EQ(parser.error().field, "headers");
  EXPECT_EQ(parser.error().message, "request header fields exceed 256 bytes");
}

TEST(HttpRequestParserLimitTest, RefusesALongHeadInOneLargeRead) {
  HttpRequestParser parser(smallLimits());
  HttpRequest request;
  parser.feed("GET / HTTP/1.1\r\nX: " + std::string(100000, 'v'));
  ASSERT_EQ(parser.next(request), Status::kError);
  EXPECT_EQ(parser.error().status, 431);
}

TEST(HttpRequestParserLimitTest, StaysStoppedAfterAnError) {
  HttpRequestParser parser;
  HttpRequest request;
  parser.feed("GET / HTTP/3.0\r\n\r\n");
  ASSERT_EQ(parser.next(request), Status::kError);
  EXPECT_EQ(parser.error().status, 505);
  const std::size_t held = parser.buffered();
  parser.feed("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(parser.buffered(), held);
  EXPECT_EQ(parser.next(request), Status::kError);
  EXPECT_EQ(parser.next(request), Status::kError);
  EXPECT_EQ(parser.error().status, 505);
  EXPECT_EQ(parser.error().message, "HTTP version 3.0 is not supported");
}

TEST(HttpRequestParserLimitTest, RefusesOnlyTheBadRequestOfAPipeline) {
  HttpRequestParser parser;
  HttpRequest request;
  parser.feed("GET /good HTTP/1.1\r\n\r\nGET /bad HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  ASSERT_EQ(parser.next(request), Status::kRequest);
  EXPECT_EQ(request.target, "/good");
  ASSERT_EQ(parser.next(request), Status::kError);
  EXPECT_EQ(parser.error().field, "Content-Length");
}

}  // namespace
}  // namespace spread::plugins::websocket
