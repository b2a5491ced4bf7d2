#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "spread/core/subscribe_from.h"

namespace spread::plugins::websocket {

/// Where GET /subscribe asks its subscription to start, from its query:
///  - ?since=OFFSET&epoch=E  the messages after OFFSET of epoch E, then live ones;
///  - ?last=N                up to the N newest kept messages (N at most kLastMax), then live ones;
///  - neither                live ones only.
/// OFFSET is a decimal offset, E the 16 hex digits a message's "epoch" carries. `error`
/// names what is wrong and `field` the parameter, for a 400.
struct SubscribeStart {
  core::SubscribeFrom from;
  std::optional<std::string> error;
  std::string field;
};

/// The largest N ?last= takes: the most a topic's history may hold (history.size).
inline constexpr std::uint64_t kLastMax = 100'000;

SubscribeStart readSubscribeStart(std::string_view target);

}  // namespace spread::plugins::websocket
