#include "reply_text.h"

#include <algorithm>

namespace spread::plugins::redis {

namespace {

std::string printable(std::string_view bytes) {
  constexpr std::size_t kShownMax = 100;
  std::string shown;
  for (char c : bytes.substr(0, kShownMax)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (bytes.size() > kShownMax) shown += "...";
  return shown;
}

}  // namespace

std::string replyText(const redisReply& reply) {
  std::string_view text(reply.str ? reply.str : "", reply.str ? reply.len : 0);
  switch (reply.type) {
    case REDIS_REPLY_ERROR:
    case REDIS_REPLY_STATUS:
      return printable(text);
    case REDIS_REPLY_STRING:
      return "\"" + printable(text) + "\"";
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply.integer);
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_ARRAY:
      return "an array of " + std::to_string(reply.elements) + " elements";
    default:
      return "a reply of unknown type " + std::to_string(reply.type);
  }
}

bool isStatus(const redisReply& reply, std::string_view text) {
  return reply.type == REDIS_REPLY_STATUS && reply.str != nullptr && std::string_view(reply.str, reply.len) == text;
}

}  // namespace spread::plugins::redis
