#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "redis_link.h"
#include "redis_link_options.h"
#include "spread/transport/presence.h"

namespace spread::plugins::redis {

/// What a RedisPresence needs: the server, the key prefix the engine uses, and how long a
/// node's members outlive its last heartbeat.
struct RedisPresenceOptions {
  RedisLinkOptions link;
  /// Put before every key and channel (engine.redis.prefix).
  std::string prefix = "spread:";
  /// This node's name in Redis; empty: 16 random hex digits, new at every start.
  std::string node;
  /// engine.redis.presenceTtlMs: how long the node's heartbeat key lives. A node that stops
  /// without cleaning up (killed, cut off) has its members dropped this long after its last
  /// heartbeat, by the next node that lists or sweeps the topic.
  std::chrono::milliseconds ttl{10000};
  /// How often the heartbeat is renewed and watched topics swept; zero: ttl / 3.
  std::chrono::milliseconds heartbeatInterval{0};
  /// The most members of one topic this node enters in Redis (more get an id but are not
  /// listed anywhere), and the most entries one list reads from Redis.
  std::size_t membersPerTopicMax = 10000;
  /// Join and leave frames held for a watcher until its members frame is sent.
  std::size_t earlyEventsMax = 1000;
  /// Told every change of the link to Redis (for log lines), on the link's thread; may be empty.
  std::function<void(const LinkState& state)> availability;
};

/// The empty string when `options` can work; otherwise a sentence naming the field.
std::string validatePresenceOptions(const RedisPresenceOptions& options);

/// Presence shared by every node on one Redis, so that GET /presence and ?presence=1 on any
/// node see the subscribers of all of them. In Redis:
///   - hash `<prefix>P{<topic>}:presence`, field `<node>/<member id>`, value
///     {"id","name","node","seq","o"} (o: the join's number from the counter
///     `<prefix>P{<topic>}:order`, taken in one script with the write; it gives the join order);
///   - key `<prefix>P:node:<node>`, renewed every heartbeatInterval with a TTL of `ttl`:
///     while it exists, the node's entries are alive;
///   - channel `<prefix>P{<topic>}:events`: "<member id> <frame>" for every join and leave,
///     subscribed to by the nodes that have watchers of the topic.
/// A list reads the hash, checks the nodes' heartbeat keys, skips the entries of nodes whose
/// key is gone and deletes them, publishing their leave (only the node whose HDEL removed an
/// entry publishes it, so a leave is told once). Every heartbeatInterval each node does the
/// same for the topics it has watchers of, so watchers see a dead node's members leave within
/// ttl + heartbeatInterval.
///
/// Local members are kept in memory as well, and written again (with the heartbeat) every time
/// the link to Redis comes back, so a restarted Redis learns them again; the entries of members
/// that left meanwhile are deleted then. While Redis is away, joins and leaves are kept
/// locally, list() answers the problem, and watchers get no frames.
///
/// A watcher's members frame is read after its topic's channel is subscribed, and the events
/// that arrive meanwhile are held (at most earlyEventsMax) and sent after it: no event is
/// lost between the list and the events, though one may repeat a member the list showed.
///
/// Thread-safe. Sinks and list callbacks run on the link's thread; sinks with the presence's
/// lock held (a sink's reentrant leave() is done once the sinks have been called).
class RedisPresence final : public transport::Presence {
 public:
  /// Throws std::invalid_argument naming the field when validatePresenceOptions() finds a problem.
  explicit RedisPresence(RedisPresenceOptions options);
  /// stop().
  ~RedisPresence() override;
  RedisPresence(const RedisPresence&) = delete;
  RedisPresence& operator=(const RedisPresence&) = delete;

  /// Connects (in the background) and starts the heartbeat. Throws std::system_error if a
  /// thread cannot start.
  void start();
  /// Removes this node's members from Redis and tells their leave (waiting at most the link's
  /// commandTimeout for that), deletes the heartbeat key, then stops the link and the
  /// heartbeat. Idempotent. REQUIRES: not called from a sink or a list callback.
  void stop();

  /// As if the process died: stops the heartbeat and the link and leaves this node's members
  /// in Redis for the other nodes to expire. For tests of expiry; stop() afterwards does nothing.
  void abandon();

  std::string join(const std::string& topic, std::string name, transport::PresenceSink sink) override;
  void leave(const std::string& topic, const std::string& id) override;
  void list(const std::string& topic, std::size_t max, transport::PresenceListDone done) const override;
  std::size_t entries() const override;

  const std::string& node() const { return options_.node; }
  /// "127.0.0.1:6379", for log lines.
  std::string server() const;
  /// Whether the link to Redis is up now.
  bool connected() const { return link_->state().connected; }

 private:
  struct LocalMember {
    std::string name;
    std::string entry;  // the hash value but its "o" and closing brace, made once at join
  };
  struct Watcher {
    transport::PresenceSink sink;
    bool listed = false;  // its members frame went out
    std::deque<std::string> early;
  };
  struct Topic {
    std::map<std::string, LocalMember> members;  // by member id
    std::map<std::string, Watcher> watchers;     // by member id
    bool subscribed = false;                     // the events channel is confirmed
  };
  struct Entry {
    transport::PresenceMember member;
    std::string node;
    std::string field;
    std::int64_t order = 0;
    std::uint64_t seq = 0;
  };

  std::string hashKey(const std::string& topic) const;
  std::string orderKey(const std::string& topic) const;
  std::string channelOf(const std::string& topic) const;
  std::string nodeKey(const std::string& node) const;
  std::string fieldOf(const std::string& id) const { return options_.node + "/" + id; }
  std::string describe(const std::string& problem) const;

  // Link-thread handlers.
  void onMessage(std::string_view channel, std::string_view payload);
  void onState(const LinkState& state);
  void onSubscribed(std::string_view channel);

  /// Reads `topic`'s live entries (dropping dead nodes' ones), then calls `done` on the link's
  /// thread with them in join order, or with the problem. Does not take mutex_.
  void readLive(const std::string& topic, std::function<void(std::vector<Entry>, std::size_t, std::string)> done) const;
  void dropDead(const std::string& topic, std::vector<Entry> dead) const;
  void sendMembersFrames(const std::string& topic);
  void heartbeatLoop();
  void beat();

  // REQUIRE mutex_ held.
  void leaveLocked(const std::string& topic, const std::string& id);
  void writeMemberLocked(const std::string& topic, const std::string& id, const LocalMember& member);
  void publishEventLocked(const std::string& topic, std::string_view kind, const transport::PresenceMember& member);
  void deliverLocked(Topic& topic, const std::string& from, const std::string& frame);
  void finishLeavesLocked();
  void removeEntryLocked(const std::string& topic, const std::string& field);

  RedisPresenceOptions options_;
  std::unique_ptr<RedisLink> link_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Topic> topics_;
  std::size_t entries_ = 0;
  std::uint64_t seq_ = 0;
  bool stopped_ = false;
  // The link's thread while it calls sinks: a leave() on it is reentrant and is queued.
  std::atomic<std::thread::id> calling_{};
  std::vector<std::pair<std::string, std::string>> leavesOwed_;
  // (topic, field) of entries left while Redis was away: deleted when it is back. At most one
  // per leave made while away.
  std::vector<std::pair<std::string, std::string>> deletesOwed_;

  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_; ends the heartbeat thread
  std::thread heartbeat_;
};

}  // namespace spread::plugins::redis
