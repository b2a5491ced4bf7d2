#include "event_stream.h"

#include <charconv>

#include "spread/transport/message_position.h"

namespace spread::plugins::sse {

namespace {

std::optional<std::uint64_t> readDecimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool allHex(std::string_view text) {
  for (char c : text) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

}  // namespace

std::string eventId(const EventPosition& position) {
  return transport::epochHex(position.epoch) + '-' + std::to_string(position.offset);
}

LastEventId readLastEventId(std::string_view text) {
  const std::size_t dash = text.find('-');
  const std::string_view epoch = text.substr(0, dash);
  const std::string_view offset = dash == std::string_view::npos ? std::string_view() : text.substr(dash + 1);
  // readEpochHex alone would take a sign or "0x"; the id is digits only.
  const std::optional<std::uint64_t> epochValue = allHex(epoch) ? transport::readEpochHex(epoch) : std::nullopt;
  const std::optional<std::uint64_t> offsetValue = readDecimal(offset);
  if (dash == std::string_view::npos || !epochValue || !offsetValue) {
    return LastEventId{std::nullopt, std::string("Last-Event-ID must be EPOCH-OFFSET as this server's event ids are "
                                                 "(1 to 16 hex digits, '-', a decimal offset)")};
  }
  return LastEventId{EventPosition{*epochValue, *offsetValue}, std::nullopt};
}

std::optional<EventPosition> stampedPosition(std::string_view json) {
  // The stamp is always last and always this shape: ,"offset":N,"epoch":"<16 hex>"}
  static constexpr std::string_view kEpochKey = "\"epoch\":\"";
  static constexpr std::string_view kOffsetKey = "\"offset\":";
  if (json.size() < kEpochKey.size() + 18 || !json.ends_with("\"}")) return std::nullopt;
  const std::string_view epochHex = json.substr(json.size() - 18, 16);
  const std::string_view beforeEpoch = json.substr(0, json.size() - 18);
  if (!beforeEpoch.ends_with(kEpochKey) || !allHex(epochHex)) return std::nullopt;
  std::string_view rest = beforeEpoch.substr(0, beforeEpoch.size() - kEpochKey.size());
  if (!rest.ends_with(',')) return std::nullopt;
  rest.remove_suffix(1);
  const std::size_t key = rest.rfind(kOffsetKey);
  if (key == std::string_view::npos) return std::nullopt;
  const std::optional<std::uint64_t> offset = readDecimal(rest.substr(key + kOffsetKey.size()));
  const std::optional<std::uint64_t> epoch = transport::readEpochHex(epochHex);
  if (!offset || !epoch) return std::nullopt;
  return EventPosition{*epoch, *offset};
}

void appendData(std::string& out, std::string_view text) {
  while (true) {
    const std::size_t end = text.find_first_of("\r\n");
    out += "data: ";
    out += text.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos) return;
    const std::size_t next = text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? end + 2 : end + 1;
    text.remove_prefix(next);
  }
}

std::string namedEvent(std::string_view name, std::string_view text) {
  std::string out = "event: ";
  out += name;
  out += '\n';
  appendData(out, text);
  out += '\n';
  return out;
}

}  // namespace spread::plugins::sse
