#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "redis_backplane_options.h"
#include "redis_link.h"
#include "spread/core/backplane.h"

namespace spread::plugins::redis {

/// What a RedisBackplane has done since it was made, for /metrics.
struct RedisBackplaneCounters {
  std::uint64_t appends = 0;           // appends Redis numbered
  std::uint64_t appendFailures = 0;    // appends that failed (refused, lost, timed out, answered wrongly)
  std::uint64_t entriesReceived = 0;   // entries the live feed brought
  std::uint64_t malformedDropped = 0;  // feed messages that were not "<epoch>:<offset>:<bytes>"
  std::uint64_t reconnects = 0;        // times the link came back after having been up
};

/// The cluster's shared log in Redis, on a RedisLink. For topic T under prefix P:
///  - hash `P{T}:meta` holds the log's `epoch` (random, 63 bits, made by the first append
///    after the log was lost) and the last `offset` handed out;
///  - stream `P{T}:log` holds the entries under ids `<offset>-0`, trimmed to historySize;
///  - channel `P{T}` carries each entry as "<epoch>:<offset>:" followed by its bytes.
/// The `{T}` hash tag puts a topic's keys in one Redis Cluster slot, which the scripts need
/// (a script may only touch keys of one slot). An append is one Lua script (EVALSHA, EVAL
/// again when Redis lost the script), so numbering, storing, expiring and publishing happen
/// together or not at all. Both keys get the same TTL at every append, so they vanish
/// together and the next append starts a new epoch from offset 1.
///
/// Callbacks and listener calls run on the link's thread, one at a time, never inside a
/// call into this object (a refusal is handed to the link's thread to report).
class RedisBackplane final : public core::Backplane {
 public:
  /// Throws std::invalid_argument naming the field when the options cannot work. Starts nothing.
  explicit RedisBackplane(RedisBackplaneOptions options);
  ~RedisBackplane() override;

  void start(core::BackplaneListener& listener) override;
  void stop() override;
  void append(std::string_view topic, std::string bytes, core::AppendDone done) override;
  void read(std::string_view topic, std::uint64_t after, std::size_t countMax, core::ReadDone done) override;
  void follow(std::string_view topic) override;
  void unfollow(std::string_view topic) override;

  RedisBackplaneCounters counters() const;
  /// The channel of `topic`, and back (nullopt for a channel that is not one of ours).
  std::string channelOf(std::string_view topic) const;
  std::optional<std::string_view> topicOf(std::string_view channel) const;
  /// Where the link goes, for messages: "127.0.0.1:6379".
  std::string server() const;

 private:
  void onMessage(std::string_view channel, std::string_view payload);
  void onState(const LinkState& state);
  // Sends a script by its SHA1, and by its text when Redis answers NOSCRIPT. `script` and
  // `sha` are members: the reply handler keeps references to them.
  void runScript(const std::string& script, const std::string& sha, std::vector<std::string> keysAndArgs,
                 RedisLink::CommandDone done, bool retried = false);
  std::uint64_t freshEpoch();

  const RedisBackplaneOptions options_;
  const std::string appendScript_;
  const std::string readScript_;
  const std::string appendSha_;
  const std::string readSha_;
  std::unique_ptr<RedisLink> link_;
  core::BackplaneListener* listener_ = nullptr;

  std::mutex epochMutex_;
  std::mt19937_64 epochRandom_;

  std::atomic<std::uint64_t> appends_{0};
  std::atomic<std::uint64_t> appendFailures_{0};
  std::atomic<std::uint64_t> entriesReceived_{0};
  std::atomic<std::uint64_t> malformedDropped_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  bool wasConnected_ = false;  // link thread only
};

}  // namespace spread::plugins::redis
