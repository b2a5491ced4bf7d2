#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spread::plugins::sse {

/// Where a message sits in its topic's history, as its SSE event id carries it.
struct EventPosition {
  std::uint64_t epoch = 0;
  std::uint64_t offset = 0;
  bool operator==(const EventPosition&) const = default;
};

/// An event id: the epoch's 16 hex digits, '-', the decimal offset ("00ab…-42"), so that the
/// one Last-Event-ID header a browser sends back carries both halves of a resume.
std::string eventId(const EventPosition& position);

/// A Last-Event-ID value read back: a position, or `error` naming what is wrong with it.
struct LastEventId {
  std::optional<EventPosition> position;
  std::optional<std::string> error;
};
/// Strict: 1 to 16 hex digits, '-', 1 to 20 decimal digits without overflow; nothing else.
LastEventId readLastEventId(std::string_view text);

/// The position stamped at the end of a chat message's JSON (transport::stampChatPosition:
/// ...,"offset":N,"epoch":"<16 hex>"}), or nullopt for a message the topic kept no history for.
std::optional<EventPosition> stampedPosition(std::string_view json);

/// Appends `text` as `data:` lines, one per line of `text` (split at CR LF, CR or LF), so
/// that no byte of it can end the event early or start a field of its own.
void appendData(std::string& out, std::string_view text);

/// A whole event: `event: <name>` then `text` as data, then the blank line that ends it.
std::string namedEvent(std::string_view name, std::string_view text);

/// True if `text` holds a line break, and so cannot be sent as a single `data:` line.
inline bool hasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace spread::plugins::sse
