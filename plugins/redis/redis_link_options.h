#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace spread::plugins::redis {

/// A uniform random number in [0, 1). Injected so tests can fix the backoff's jitter.
using RandomSource = std::function<double()>;

/// Everything a RedisLink needs to reach one Redis server. The engine fills it from the
/// `engine.redis.*` keys; validateOptions() names the first field that cannot work.
struct RedisLinkOptions {
  /// A name is resolved by hiredis (getaddrinfo) on the link's thread at every connect,
  /// which blocks that thread meanwhile; an address does not.
  std::string host = "127.0.0.1";
  int port = 6379;
  /// Sent with AUTH after every connect when not empty.
  std::string password;
  /// Sent with SELECT after every connect (pub/sub ignores it; keys the engine stores later do not).
  int db = 0;

  /// From the start of a TCP connect until AUTH, SELECT and PING are answered.
  std::chrono::milliseconds connectTimeout{2000};
  /// From sending a command until its reply; when it passes, the connection is reset.
  std::chrono::milliseconds commandTimeout{2000};
  /// Reconnect delays double from backoffMin up to backoffMax; each is then scaled by a
  /// random factor in [0.5, 1) so that nodes which lost Redis together do not return together.
  std::chrono::milliseconds backoffMin{100};
  std::chrono::milliseconds backoffMax{5000};
  /// How often the publishing connection sends PING when nothing else is in flight, so a
  /// server that stopped answering is noticed (within heartbeatInterval + commandTimeout)
  /// without waiting for a publish. The subscribing connection has no such check: hiredis
  /// 0.14 cannot match a PING's answer on a subscribed connection; TCP keepalive covers it.
  std::chrono::milliseconds heartbeatInterval{1000};
  /// Publishes accepted and not yet answered. Beyond it publish() is refused at once.
  std::size_t pendingCommandsMax = 10000;
  /// The largest reply (or unparsed part of one) held in memory; a bigger one is a protocol
  /// error that resets the connection. Bounds what a misbehaving server can make us buffer.
  std::size_t replyBytesMax = 64 * 1024 * 1024;

  /// Defaults to a std::mt19937_64 seeded from std::random_device when empty.
  RandomSource random;
};

/// The empty string when `options` can work; otherwise a sentence naming the field and the problem.
std::string validateOptions(const RedisLinkOptions& options);

}  // namespace spread::plugins::redis
