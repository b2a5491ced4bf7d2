#include "message_stamp.h"

#include <charconv>
#include <limits>

namespace spread::bench {
namespace {

// Reads "<tag><digits>" at the front of `text` and advances past it and one space.
template <class Int>
bool takeField(std::string_view& text, char tag, Int& value) {
  if (text.empty() || text.front() != tag) return false;
  const char* begin = text.data() + 1;
  const char* end = text.data() + text.size();
  auto [next, error] = std::from_chars(begin, end, value);
  if (error != std::errc{} || next == begin) return false;
  text.remove_prefix(static_cast<std::size_t>(next - text.data()));
  if (!text.empty()) {
    if (text.front() != ' ') return false;
    text.remove_prefix(1);
  }
  return true;
}

std::size_t skipSpace(std::string_view json, std::size_t at) {
  while (at < json.size() && (json[at] == ' ' || json[at] == '\t' || json[at] == '\n' || json[at] == '\r')) ++at;
  return at;
}

}  // namespace

std::string formatStamp(const MessageStamp& stamp, std::size_t sizeMin) {
  std::string out;
  out.reserve(sizeMin > 48 ? sizeMin : 48);
  out += 'p';
  out += std::to_string(stamp.publisher);
  out += " s";
  out += std::to_string(stamp.sequence);
  out += " t";
  out += std::to_string(stamp.sentAtUs);
  if (out.size() + 1 < sizeMin) {
    out += ' ';
    out.append(sizeMin - out.size(), 'x');
  }
  return out;
}

std::optional<MessageStamp> parseStamp(std::string_view msg) {
  MessageStamp stamp;
  if (!takeField(msg, 'p', stamp.publisher)) return std::nullopt;
  if (!takeField(msg, 's', stamp.sequence)) return std::nullopt;
  if (!takeField(msg, 't', stamp.sentAtUs)) return std::nullopt;
  return stamp;
}

std::optional<std::string_view> findMsgField(std::string_view json) {
  static constexpr std::string_view kKey = "\"msg\"";
  std::size_t at = 0;
  while ((at = json.find(kKey, at)) != std::string_view::npos) {
    std::size_t colon = skipSpace(json, at + kKey.size());
    at += kKey.size();
    // "msg" inside another string is followed by something other than ':'.
    if (colon >= json.size() || json[colon] != ':') continue;
    std::size_t open = skipSpace(json, colon + 1);
    if (open >= json.size() || json[open] != '"') return std::nullopt;
    // The closing quote is the first one not escaped by an odd run of backslashes. find()
    // is memchr underneath, which matters for long padded messages.
    std::size_t close = open;
    while (true) {
      close = json.find('"', close + 1);
      if (close == std::string_view::npos) return std::nullopt;
      std::size_t backslashes = 0;
      while (json[close - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) break;
    }
    return json.substr(open + 1, close - open - 1);
  }
  return std::nullopt;
}

}  // namespace spread::bench
