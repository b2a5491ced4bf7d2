// Parsing POST /publish requests with the WebSocket plugin's own HTTP/1.1 parser
// (plugins/websocket/http/http_request_parser.h), as its keep-alive connections will: one
// request per read, and a read holding several pipelined requests.
#include <benchmark/benchmark.h>

#include <string>

#include "http/http_request_parser.h"

namespace spread::plugins::websocket {
namespace {

// The shape spread-bench sends: about 150 bytes of head and a 60-byte JSON body.
const std::string kBody = "{\"name\":\"bench-client-0001\",\"msg\":\"0123456789abcdef0123456\"}";
const std::string kPublish =
    "POST /publish?topic=chat HTTP/1.1\r\n"
    "Host: 127.0.0.1:8000\r\n"
    "User-Agent: spread-bench/1.0\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: " + std::to_string(kBody.size()) + "\r\n"
    "\r\n" + kBody;

void BM_HttpParsePublish(benchmark::State& state) {
  const auto perRead = static_cast<std::size_t>(state.range(0));
  std::string read;
  for (std::size_t i = 0; i < perRead; ++i) read += kPublish;
  HttpRequestParser parser;
  HttpRequest request;
  for (auto _ : state) {
    parser.feed(read);
    HttpRequestParser::Status status;
    while ((status = parser.next(request)) == HttpRequestParser::Status::kRequest) {
      benchmark::DoNotOptimize(request.body.data());
    }
    if (status == HttpRequestParser::Status::kError) {
      state.SkipWithError(parser.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * perRead));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * read.size()));
}
// One request per read, and sixteen pipelined in one read.
BENCHMARK(BM_HttpParsePublish)->Arg(1)->Arg(16);

}  // namespace
}  // namespace spread::plugins::websocket
