// Fuzzes readSubscribeStart, GET /subscribe's reader of where a subscription starts
// (?since=&epoch=, ?last=), on the query a client sends.
// Invariants: a refusal names one of its three parameters and says something; an accepted
// `last` is within kLastMax; an accepted resume, written back as the server writes positions
// (decimal offset, 16 hex digits of epoch), reads back as the same starting point.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "http/subscribe_start.h"
#include "spread/transport/message_position.h"

namespace {

using spread::core::SubscribeFrom;
using spread::fuzz::check;
using namespace spread::plugins::websocket;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string target = "/subscribe?" + std::string(reinterpret_cast<const char*>(data), size);
  const SubscribeStart start = readSubscribeStart(target);
  if (start.error) {
    check(start.field == "since" || start.field == "epoch" || start.field == "last", "a refusal names its parameter");
    check(!start.error->empty(), "a refusal says what is wrong");
    check(start.from.kind == SubscribeFrom::Kind::kLive, "a refusal asks for nothing");
    return 0;
  }
  check(start.field.empty(), "only a refusal names a field");
  if (start.from.kind == SubscribeFrom::Kind::kLast) check(start.from.count <= kLastMax, "last is bounded");
  if (start.from.kind == SubscribeFrom::Kind::kAfter) {
    const SubscribeStart again = readSubscribeStart("/subscribe?since=" + std::to_string(start.from.offset) +
                                                    "&epoch=" + spread::transport::epochHex(start.from.epoch));
    check(!again.error && again.from.kind == SubscribeFrom::Kind::kAfter && again.from.offset == start.from.offset &&
              again.from.epoch == start.from.epoch,
          "a resume written back as the server writes positions reads back the same");
  }
  return 0;
}
