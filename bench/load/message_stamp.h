#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spread::bench {

/// What spread-bench writes into each message's "msg" field, so a subscriber can tell
/// who sent it, in which order, and when: "p<publisher> s<sequence> t<sentAtUs>", then a
/// space and padding up to the requested size. The server re-encodes messages and may
/// drop unknown JSON fields, so the stamp travels inside the one field it must keep.
struct MessageStamp {
  std::uint32_t publisher = 0;
  std::uint64_t sequence = 0;     // per publisher, from 1, gap-free as sent
  std::int64_t sentAtUs = 0;      // steady clock, microseconds

  friend bool operator==(const MessageStamp&, const MessageStamp&) = default;
};

/// Returns the "msg" text for `stamp`, padded with 'x' to at least `sizeMin` characters.
std::string formatStamp(const MessageStamp& stamp, std::size_t sizeMin = 0);

/// Parses a "msg" text written by formatStamp(); nullopt if it is not one (wrong prefix,
/// missing field, number out of range). Trailing padding is ignored.
std::optional<MessageStamp> parseStamp(std::string_view msg);

/// Returns the raw text of the string member "msg" of a JSON object as the server sends
/// it ({"name":"..","msg":".."}, any member order, any whitespace), without unescaping;
/// nullopt if there is none. Stamps contain no character JSON escapes, so no unescaping
/// is needed to parse them.
std::optional<std::string_view> findMsgField(std::string_view json);

}  // namespace spread::bench
