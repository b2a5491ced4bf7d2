#pragma once

#include <string_view>
#include <vector>

#include "http/http_request_parser.h"

// Drives an HttpRequestParser over a whole byte stream for the parser's tests.
namespace spread::plugins::websocket::testing {

/// Everything a parser produced from one stream.
struct ParseRun {
  std::vector<HttpRequest> requests;
  HttpRequestParser::Status last = HttpRequestParser::Status::kNeedMore;  // after the final next()
  HttpParseError error;  // meaningful when last is kError
};

/// Feeds `bytes` in pieces of `pieceBytes` (the whole stream at once when 0), taking
/// every request out after each piece, as a connection would after each read.
inline ParseRun parseStream(std::string_view bytes, std::size_t pieceBytes = 0, HttpParserLimits limits = {}) {
  HttpRequestParser parser(limits);
  ParseRun run;
  if (pieceBytes == 0) pieceBytes = bytes.size() + 1;
  std::size_t at = 0;
  HttpRequest request;  // reused, as a connection would, so stale fields would show
  do {
    parser.feed(bytes.substr(at, pieceBytes));
    at += pieceBytes;
    while ((run.last = parser.next(request)) == HttpRequestParser::Status::kRequest) {
      run.requests.push_back(request);
    }
    if (run.last == HttpRequestParser::Status::kError) run.error = parser.error();
  } while (at < bytes.size() && run.last != HttpRequestParser::Status::kError);
  return run;
}

}  // namespace spread::plugins::websocket::testing
