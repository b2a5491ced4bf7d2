#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/async.h>

#include "epoll_loop.h"
#include "reconnect_backoff.h"
#include "redis_link_options.h"
#include "reply_guard.h"

namespace spread::plugins::redis {

using SteadyClock = std::chrono::steady_clock;

/// One connection to Redis through hiredis' async API, driven by an EpollLoop: connects,
/// authenticates (AUTH), selects the database (SELECT), checks the server answers (PING),
/// gives every command a deadline, and after any failure closes, waits a backoff and
/// connects again. It does not know what the commands mean; RedisLink does.
///
/// Everything runs on the loop's thread. Listener calls (ready, lost) are made only from
/// the top of a public method, never from inside hiredis, so a listener may call back in.
class RedisConnection {
 public:
  enum class Phase { kWaiting, kConnecting, kReady, kClosed };

  /// Called once per command: with the reply, or with a null reply and the reason it failed.
  using ReplyHandler = std::function<void(const redisReply* reply, const std::string& failure)>;

  struct Listener {
    /// The handshake was answered; commands may be sent.
    std::function<void()> ready;
    /// The connection (or an attempt) failed; the next attempt is due after `retryIn`.
    std::function<void(const std::string& reason, std::chrono::milliseconds retryIn)> lost;
    /// A pub/sub message or (un)subscribe confirmation; made from inside hiredis, so the
    /// listener must only record it (no calls back into this connection).
    std::function<void(const redisReply& push)> push;
  };

  /// `name` appears in reasons ("publishing", "subscribing"); `slot` is a small number
  /// unique within `loop` (the loop reports events under it). Nothing connects before tick().
  RedisConnection(std::string name, const RedisLinkOptions& options, EpollLoop& loop, std::uint8_t slot,
                  Listener listener);
  /// Fails every pending command with "link stopped".
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  Phase phase() const { return phase_; }
  /// Commands sent and not yet answered.
  std::size_t inFlight() const { return pending_.size(); }
  std::uint8_t slot() const { return slot_; }

  /// Sends a command whose reply arrives in order. When the connection cannot take it,
  /// `done` is called at once with the reason. REQUIRES: not (UN)SUBSCRIBE.
  void command(const std::vector<std::string_view>& argv, ReplyHandler done);
  /// Sends SUBSCRIBE or UNSUBSCRIBE; its answers arrive through Listener::push. False
  /// when the connection is not ready (the caller sends it again after the next ready).
  bool pubsub(const std::vector<std::string_view>& argv);

  /// An event the loop reported under `key` (this connection's slot, any generation).
  void handleEvents(std::uint64_t key, std::uint32_t events);
  /// Starts a connect when the backoff is over, and enforces the connect and command deadlines.
  void tick(SteadyClock::time_point now);
  /// When tick() next has something to do; empty when nothing is waiting.
  std::optional<SteadyClock::time_point> nextDeadline() const;

  /// Closes the connection now (pending commands fail with `reason`) and reconnects after the backoff.
  void reset(const std::string& reason);
  /// Closes for good: pending commands fail with `reason`, no reconnect, no listener calls.
  void close(const std::string& reason);

  /// hiredis' C hooks reach the connection through these.
  struct Hooks;

 private:
  struct Pending {
    SteadyClock::time_point deadline;
    std::string name;
    ReplyHandler done;
  };
  // privdata values handed to hiredis: which list a callback came from (commands in order, or pushes).
  struct CallbackTarget {
    RedisConnection* connection;
    bool push;
  };

  std::uint64_t key() const { return (generation_ << 8) | slot_; }
  void startConnect();
  void sendHandshake();
  void send(const std::vector<std::string_view>& argv, std::string name, SteadyClock::time_point deadline,
            ReplyHandler done);
  void onReply(redisAsyncContext* context, const redisReply* reply);
  void onPush(const redisReply* reply);
  void setInterest(std::uint32_t events);
  void detach();
  void freeContext(const std::string& reason);
  void settle();
  std::string describe(const std::string& what) const;

  std::string name_;
  const RedisLinkOptions& options_;
  EpollLoop& loop_;
  std::uint8_t slot_;
  Listener listener_;
  ReconnectBackoff backoff_;

  Phase phase_ = Phase::kWaiting;
  redisAsyncContext* context_ = nullptr;
  int fd_ = -1;
  std::uint32_t interest_ = 0;
  std::uint64_t generation_ = 1;
  ReplyGuard guard_;
  std::deque<Pending> pending_;
  CallbackTarget inOrder_{this, false};
  CallbackTarget pushes_{this, true};

  SteadyClock::time_point retryAt_{};
  SteadyClock::time_point connectDeadline_{};
  // Why the current context is going away; set before (or while) hiredis frees it.
  std::string closeReason_;
  bool freeing_ = false;
  // Depth of calls into hiredis: listener calls wait until it is back to zero.
  int inHiredis_ = 0;
  bool readyDue_ = false;
  // Why the loop could not watch the socket as hiredis asked; closes the connection.
  std::string pollFailure_;
};

}  // namespace spread::plugins::redis
