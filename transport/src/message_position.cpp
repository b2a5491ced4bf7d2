#include "spread/transport/message_position.h"

#include <charconv>

namespace spread::transport {

std::string epochHex(std::uint64_t epoch) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, epoch >>= 4) out[static_cast<std::size_t>(i)] = kDigits[epoch & 0xf];
  return out;
}

std::optional<std::uint64_t> readEpochHex(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

void stampChatPosition(std::string& bytes, std::uint64_t offset, std::uint64_t epoch) {
  if (bytes.size() < 2 || bytes.front() != '{' || bytes.back() != '}') return;
  char number[20];
  const auto written = std::to_chars(number, number + sizeof number, offset).ptr;
  bytes.pop_back();
  // One growth for the whole suffix: ,"offset":N,"epoch":"<16>"}
  bytes.reserve(bytes.size() + 32 + static_cast<std::size_t>(written - number));
  if (bytes.size() > 1) bytes += ',';
  bytes += "\"offset\":";
  bytes.append(number, written);
  bytes += ",\"epoch\":\"";
  bytes += epochHex(epoch);
  bytes += "\"}";
}

}  // namespace spread::transport
