#include "http/subscribe_start.h"

#include <charconv>

#include "http/topic_query.h"
#include "spread/transport/message_position.h"

namespace spread::plugins::websocket {

namespace {

// Decimal digits only: no sign, no spaces, nothing after, and no overflow.
std::optional<std::uint64_t> readDecimal(const std::string& text) {
  std::uint64_t value = 0;
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

SubscribeStart refuse(std::string error, std::string field) {
  return SubscribeStart{core::SubscribeFrom::live(), std::move(error), std::move(field)};
}

}  // namespace

SubscribeStart readSubscribeStart(std::string_view target) {
  const std::size_t query = target.find('?');
  // Most subscribers ask for none of these; they need no further parsing.
  if (query == std::string_view::npos) return {};
  const std::string_view rest = target.substr(query);
  if (rest.find("since") == std::string_view::npos && rest.find("epoch") == std::string_view::npos &&
      rest.find("last") == std::string_view::npos) {
    return {};
  }
  QueryParameter since = readQueryParameter(target, "since");
  if (since.error) return refuse(*since.error, "since");
  QueryParameter epoch = readQueryParameter(target, "epoch");
  QueryParameter last = readQueryParameter(target, "last");
  if (last.value) {
    if (since.value || epoch.value) return refuse("last cannot be combined with since or epoch", "last");
    const std::optional<std::uint64_t> count = readDecimal(*last.value);
    if (!count || *count > kLastMax) {
      return refuse("last must be a whole number from 0 to " + std::to_string(kLastMax) + ", not '" + *last.value + "'",
                    "last");
    }
    return SubscribeStart{core::SubscribeFrom::last(*count), std::nullopt, {}};
  }
  if (!since.value && !epoch.value) return {};
  if (!since.value) return refuse("epoch needs since: the offset of the last message received", "since");
  if (!epoch.value) return refuse("since needs epoch: the epoch of the last message received", "epoch");
  const std::optional<std::uint64_t> offset = readDecimal(*since.value);
  if (!offset) return refuse("since must be a message offset (a whole number), not '" + *since.value + "'", "since");
  const std::optional<std::uint64_t> named = transport::readEpochHex(*epoch.value);
  if (!named) return refuse("epoch must be 1 to 16 hex digits, not '" + *epoch.value + "'", "epoch");
  return SubscribeStart{core::SubscribeFrom::after(*offset, *named), std::nullopt, {}};
}

}  // namespace spread::plugins::websocket
