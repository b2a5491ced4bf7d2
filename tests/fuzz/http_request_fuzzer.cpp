// Fuzzes HttpRequestParser: the same bytes fed whole and fed in pieces chosen by the input
// give the same requests and the same final outcome, whichever inputs the parser accepts;
// and no request, or body still arriving, passes the (deliberately small) limits.
//
// Input: control byte 0 sets headerBytesMax (16 to 1036), 1 bodyBytesMax (0 to 255), 2
// headerCountMax (1 to 16); bytes 3 to 7 are the piece sizes (fuzz_input.h); the rest is
// the byte stream of one connection.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "http/http_request_parser.h"

namespace {

using spread::fuzz::check;
using spread::fuzz::FuzzInput;
using spread::plugins::websocket::HttpParseError;
using spread::plugins::websocket::HttpParserLimits;
using spread::plugins::websocket::HttpRequest;
using spread::plugins::websocket::HttpRequestParser;
using Status = HttpRequestParser::Status;

constexpr std::size_t kFirstPieceByte = 3;

// What one run produced: every request, then where the parser stood after the last next().
struct Run {
  std::vector<HttpRequest> requests;
  Status last = Status::kNeedMore;
  HttpParseError error;          // when last is kError
  std::size_t buffered = 0;      // when last is kNeedMore
  bool awaitingBody = false;     // requestAwaitingBody() != nullptr
  HttpRequest awaiting;          // its copy, when awaitingBody
};

bool sameRequest(const HttpRequest& a, const HttpRequest& b) {
  if (a.method != b.method || a.target != b.target || a.versionMinor != b.versionMinor || a.body != b.body ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
  }
  return true;
}

// The fewest bytes a head holding this request line and these fields can take: one space
// each side of the target, "HTTP/1.x", a colon per field, a bare LF per line.
std::size_t headBytesAtLeast(const HttpRequest& request) {
  std::size_t bytes = request.method.size() + 1 + request.target.size() + 1 + 8 + 1;
  for (const auto& header : request.headers) bytes += header.name.size() + 1 + header.value.size() + 1;
  return bytes + 1;
}

void checkBounds(const HttpRequest& request, const HttpParserLimits& limits) {
  check(request.body.size() <= limits.bodyBytesMax, "body within bodyBytesMax");
  check(request.headers.size() <= limits.headerCountMax, "fields within headerCountMax");
  check(headBytesAtLeast(request) <= limits.headerBytesMax, "head within headerBytesMax");
}

// Takes every request the bytes fed so far complete, as a connection does after a read.
void drain(HttpRequestParser& parser, const HttpParserLimits& limits, Run& run) {
  HttpRequest request;
  while ((run.last = parser.next(request)) == Status::kRequest) {
    checkBounds(request, limits);
    run.requests.push_back(request);
  }
  if (const HttpRequest* awaiting = parser.requestAwaitingBody()) {
    check(awaiting->body.size() <= limits.bodyBytesMax, "body arriving within bodyBytesMax");
    check(awaiting->headers.size() <= limits.headerCountMax, "fields of a body arriving within headerCountMax");
  }
}

Run parse(const std::vector<std::string_view>& pieces, const HttpParserLimits& limits) {
  HttpRequestParser parser(limits);
  Run run;
  bool stopped = false;
  for (std::string_view piece : pieces) {
    parser.feed(piece);
    const std::size_t before = run.requests.size();
    drain(parser, limits, run);
    if (stopped) {
      check(run.last == Status::kError && run.requests.size() == before, "nothing after an error");
    }
    stopped = run.last == Status::kError;
  }
  if (pieces.empty()) drain(parser, limits, run);
  if (run.last == Status::kError) {
    run.error = parser.error();
    check(!run.error.message.empty() && !run.error.field.empty(), "an error names its problem and field");
    const int status = run.error.status;
    check(status == 400 || status == 413 || status == 431 || status == 501 || status == 505,
          "an error status is one the header lists");
  } else {
    run.buffered = parser.buffered();
  }
  if (const HttpRequest* awaiting = parser.requestAwaitingBody()) {
    run.awaitingBody = true;
    run.awaiting = *awaiting;
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const FuzzInput input(data, size);
  HttpParserLimits limits;
  limits.headerBytesMax = 16 + 4 * std::size_t{input.control(0)};
  limits.bodyBytesMax = input.control(1);
  limits.headerCountMax = 1 + input.control(2) % 16;

  const Run whole = parse({input.stream()}, limits);
  const Run pieces = parse(input.pieces(kFirstPieceByte), limits);

  check(whole.requests.size() == pieces.requests.size(), "same number of requests in any chunking");
  for (std::size_t i = 0; i < whole.requests.size(); ++i) {
    check(sameRequest(whole.requests[i], pieces.requests[i]), "same requests in any chunking");
  }
  check(whole.last == pieces.last, "same final status in any chunking");
  if (whole.last == Status::kError) {
    check(whole.error.status == pieces.error.status && whole.error.message == pieces.error.message &&
              whole.error.field == pieces.error.field,
          "same error in any chunking");
  } else {
    check(whole.buffered == pieces.buffered, "same buffered() in any chunking");
  }
  check(whole.awaitingBody == pieces.awaitingBody, "same requestAwaitingBody() in any chunking");
  if (whole.awaitingBody) check(sameRequest(whole.awaiting, pieces.awaiting), "same request awaiting its body");
  return 0;
}
