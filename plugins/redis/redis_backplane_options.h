#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "redis_link_options.h"

namespace spread::plugins::redis {

/// Everything a RedisBackplane needs: the link to one Redis server, where its keys live, and
/// how much of each topic's log Redis keeps (the daemon passes history.size and history.ttlMs).
struct RedisBackplaneOptions {
  RedisLinkOptions link;
  /// Put before every key and channel, so that several deployments can share one Redis.
  std::string prefix = "spread:";
  /// Entries each topic's stream keeps, at least (trimmed with MAXLEN ~, so a few more may
  /// stay). 0: no stream at all; offsets and epochs are still handed out.
  std::size_t historySize = 100;
  /// Both keys of a topic expire this long after its last append, together, so that the log
  /// is lost as a whole and the next append starts a new epoch. 0: they never expire.
  std::chrono::milliseconds historyTtl{600000};
  /// A fresh epoch for a log that does not exist, in [1, 2^63). Defaults to a
  /// std::mt19937_64 seeded from std::random_device when empty.
  std::function<std::uint64_t()> epochSource;
};

/// The empty string when `options` can work; otherwise a sentence naming the field.
std::string validateBackplaneOptions(const RedisBackplaneOptions& options);

}  // namespace spread::plugins::redis
