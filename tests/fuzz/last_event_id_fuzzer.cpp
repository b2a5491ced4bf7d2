// Fuzzes readLastEventId, the SSE transport's reader of a browser's Last-Event-ID header.
// Invariants: it gives a position or an error naming the header, never both; a position read
// back from a value reads back the same from the form eventId() writes for it; and what eventId() writes for any position reads back as that position.
// appendData never lets a line break of its input through except as the end of a data line.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "event_stream.h"
#include "fuzz_input.h"

namespace {

using spread::fuzz::check;
using namespace spread::plugins::sse;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const LastEventId read = readLastEventId(input);
  check(read.position.has_value() != read.error.has_value(), "a position or an error, never both");
  if (read.error) check(read.error->find("Last-Event-ID") != std::string::npos, "the error names the header");
  if (read.position) {
    const std::string canonical = eventId(*read.position);
    const LastEventId again = readLastEventId(canonical);
    check(again.position && *again.position == *read.position, "an accepted id's canonical form reads back the same");
  }
  if (size >= 16) {
    EventPosition position;
    std::memcpy(&position.epoch, data, 8);
    std::memcpy(&position.offset, data + 8, 8);
    const LastEventId back = readLastEventId(eventId(position));
    check(back.position && *back.position == position, "every id this server writes reads back as its position");
  }
  std::string out;
  appendData(out, input);
  check(out.ends_with('\n'), "data lines end the field");
  // Ends with '\n', so every line found has a next one or is the last.
  for (std::size_t at = 0; at < out.size(); at = out.find('\n', at) + 1) {
    check(std::string_view(out).substr(at, 6) == "data: ", "every line is a data line");
  }
  check(out.find('\r') == std::string::npos, "no CR survives");
  return 0;
}
