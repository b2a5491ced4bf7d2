#pragma once

#include <string>
#include <string_view>

#include <hiredis/hiredis.h>

namespace spread::plugins::redis {

/// A short printable rendering of a reply, for reasons and logs: an error or status as its
/// text, an integer as digits, a string quoted and cut at 100 bytes, an array as its size.
std::string replyText(const redisReply& reply);

/// True when `reply` is a status reply with exactly `text` (such as OK or PONG).
bool isStatus(const redisReply& reply, std::string_view text);

}  // namespace spread::plugins::redis
