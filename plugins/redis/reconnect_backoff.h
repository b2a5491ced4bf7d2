#pragma once

#include <chrono>

#include "redis_link_options.h"

namespace spread::plugins::redis {

/// The delays between reconnect attempts: exponential from a minimum to a maximum, each
/// scaled by a random factor in [0.5, 1). Not thread-safe; a RedisConnection owns one.
class ReconnectBackoff {
 public:
  /// REQUIRES: 0 < minimum <= maximum, `random` returns values in [0, 1).
  ReconnectBackoff(std::chrono::milliseconds minimum, std::chrono::milliseconds maximum, RandomSource random);

  /// The delay before the next attempt; each call doubles the base, up to the maximum.
  std::chrono::milliseconds next();
  /// After a connection reached ready: the next delay starts from the minimum again.
  void reset() { attempts_ = 0; }

 private:
  std::chrono::milliseconds minimum_;
  std::chrono::milliseconds maximum_;
  RandomSource random_;
  int attempts_ = 0;
};

}  // namespace spread::plugins::redis
