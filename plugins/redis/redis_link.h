#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "redis_link_options.h"

struct redisReply;

namespace spread::plugins::redis {

class EpollLoop;
class RedisConnection;
class ChannelSubscriptions;

/// What publish() or command() decided at once.
enum class PublishAdmission {
  kAccepted,               // The callback will be called exactly once, on the link's thread.
  kRefusedNotConnected,    // The link is not connected (state() says why); no callback.
  kRefusedTooManyPending,  // pendingCommandsMax commands are unanswered; no callback.
  kRefusedStopped,         // stop() was called; no callback.
};

/// How an accepted publish ended.
struct PublishResult {
  bool published = false;
  /// Subscribers Redis delivered it to (nodes subscribed to the channel), when published.
  long long receivers = 0;
  /// Why not, when not published: the connection's loss, a timeout, Redis' error, or "link stopped".
  std::string failure;
};

/// connected: both connections are up, authenticated, and every wanted channel subscribed.
/// Otherwise `reason` names the server, the connection and the cause.
struct LinkState {
  bool connected = false;
  std::string reason;
  bool operator==(const LinkState&) const = default;
};

/// Called on the link's thread. They must not throw, and must not call stop() (they may
/// call publish, subscribe and unsubscribe). A message's views are valid during the call only.
struct RedisLinkHandlers {
  std::function<void(std::string_view channel, std::string_view payload)> message;
  /// On every change of state or reason (each loss, each reconnect).
  std::function<void(const LinkState& state)> state;
  /// A SUBSCRIBE of a wanted channel was confirmed (again after every reconnect).
  std::function<void(std::string_view channel)> subscribed;
};

/// The engine's link to Redis: publishes to channels and receives what is published to the
/// channels it subscribes to. It owns two hiredis connections on one I/O thread of its own
/// (a RESP2 connection that has subscribed can only (un)subscribe, so publishes need the
/// other). Methods are thread-safe; handlers and callbacks run on the link's thread.
///
/// When Redis is lost, publishes are refused, the link reconnects after a backoff with
/// jitter, authenticates, selects the database and subscribes to the wanted channels again;
/// only then does it report connected.
class RedisLink {
 public:
  /// Throws std::invalid_argument naming the field when validateOptions() finds a problem.
  RedisLink(RedisLinkOptions options, RedisLinkHandlers handlers);
  /// stop().
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  /// Starts the I/O thread, which connects at once. Throws std::system_error if it cannot.
  void start();
  /// Closes both connections, fails every accepted and unanswered publish with "link
  /// stopped" (each callback exactly once), and joins the thread. Idempotent.
  /// REQUIRES: not called from a handler or callback.
  void stop();

  /// Publishes `payload` (any bytes) to `channel`.
  [[nodiscard]] PublishAdmission publish(std::string channel, std::string payload,
                                         std::function<void(const PublishResult&)> done);

  /// The reply to a command, valid during the call only; null when the command failed, and
  /// then `failure` says why (the connection's loss, commandTimeout passing, "link stopped").
  using CommandDone = std::function<void(const redisReply* reply, const std::string& failure)>;
  /// Sends any command but (UN)SUBSCRIBE on the publishing connection, with the same
  /// admission, deadline (commandTimeout) and exactly-once callback as publish().
  [[nodiscard]] PublishAdmission command(std::vector<std::string> argv, CommandDone done);
  /// Adds `channel` to the wanted set (a no-op when it is there); kept across reconnects.
  void subscribe(std::string channel);
  void unsubscribe(const std::string& channel);

  /// Runs `task` on the link's thread soon (after what it is doing now); so a caller can
  /// report a refusal from there rather than from inside its own call. False, and `task`
  /// never runs, once stop() was called.
  bool post(std::function<void()> task);

  LinkState state() const;
  /// Publishes accepted and not yet answered.
  std::size_t pendingCount() const { return pending_.load(); }

 private:
  struct CommandRequest {
    std::vector<std::string> argv;
    CommandDone done;
  };

  void run();
  void serve();
  void sendTaken(std::deque<CommandRequest>& requests);
  void reconcile(bool ready);
  void heartbeat(std::chrono::steady_clock::time_point now);
  void onPush(const redisReply& push);
  void updateState();
  void finish(CommandRequest& request, const redisReply* reply, const std::string& failure);

  const RedisLinkOptions options_;
  const RedisLinkHandlers handlers_;

  mutable std::mutex mutex_;
  std::deque<CommandRequest> queue_;
  std::deque<std::function<void()>> posted_;
  std::set<std::string> wanted_;
  bool wantedChanged_ = false;
  bool stopping_ = false;
  LinkState state_;
  std::atomic<bool> connected_{false};
  std::atomic<std::size_t> pending_{0};

  // Loop thread only, from here on.
  std::unique_ptr<EpollLoop> loop_;
  std::unique_ptr<RedisConnection> publisher_;
  std::unique_ptr<RedisConnection> subscriber_;
  std::unique_ptr<ChannelSubscriptions> subscriptions_;
  std::string publisherReason_;
  std::string subscriberReason_;
  bool subscriberReady_ = false;
  bool reconcileDue_ = false;
  std::chrono::steady_clock::time_point nextHeartbeat_{};
  std::thread thread_;
};

}  // namespace spread::plugins::redis
