#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace spread::core {

/// One message in a topic's shared log: its offset there and its bytes as published
/// (without a position: each node stamps that in when it takes the entry).
struct LogEntry {
  std::uint64_t offset = 0;
  std::string bytes;
};

struct AppendResult {
  bool ok = false;
  std::uint64_t offset = 0;  // the entry's, when ok
  std::uint64_t epoch = 0;   // the log's, when ok
  std::string problem;       // a sentence naming the cause, when not ok ("redis: connection refused")
};

struct LogRead {
  bool ok = false;
  std::uint64_t epoch = 0;       // the log's current epoch; 0 if the log does not exist (nothing was ever kept)
  std::uint64_t lastOffset = 0;  // the newest offset the log has handed out in this epoch
  std::vector<LogEntry> entries; // oldest first, consecutive offsets
  std::string problem;           // when not ok
};

using AppendDone = std::function<void(AppendResult)>;
using ReadDone = std::function<void(LogRead)>;

/// What a Backplane tells the node that uses it. Calls (and the callbacks of Backplane's
/// methods) come from one thread at a time, the backplane's own; never while a caller of
/// Backplane's methods is inside one of them.
class BackplaneListener {
 public:
  virtual ~BackplaneListener() = default;
  /// An entry some node (this one included) appended to a followed topic. Per topic, in
  /// offset order, but offsets may be skipped: entries appended while the feed was down are
  /// not sent again (the node reads them back with read()).
  virtual void onEntry(std::string_view topic, std::uint64_t epoch, LogEntry entry) = 0;
  /// The live feed of `topic` is confirmed, after follow() or after the link came back:
  /// entries appended from now on arrive by onEntry; earlier ones may have been missed.
  virtual void onFollowing(std::string_view topic) = 0;
  /// The backplane can (again) or cannot append and read; `problem` names the cause when not.
  virtual void onAvailability(bool available, std::string problem) = 0;
};

/// The medium the nodes of a cluster share (Redis; the simulator's in-memory model): for
/// each topic a numbered log that any node can append to and read back, with an epoch that
/// changes whenever the log was lost, and a live feed of what is appended. ClusterEngine
/// builds the broker's guarantees on it; an implementation only moves entries.
///
/// Offsets start at 1 and increase by one per append within an epoch. The log keeps the
/// newest entries up to limits of its own (the daemon's history.size and history.ttlMs).
/// Thread-safe; callbacks run on the backplane's thread, each exactly once.
class Backplane {
 public:
  /// read()'s `after` asking for the newest `countMax` entries instead.
  static constexpr std::uint64_t kTail = std::numeric_limits<std::uint64_t>::max();

  virtual ~Backplane() = default;
  /// Starts connecting; `listener` must outlive stop().
  virtual void start(BackplaneListener& listener) = 0;
  /// Stops: pending callbacks run with a problem ("stopped"), none after it returns.
  virtual void stop() = 0;
  /// Appends `bytes` to `topic`'s log and sends it to every node that follows the topic.
  virtual void append(std::string_view topic, std::string bytes, AppendDone done) = 0;
  /// The entries of `topic` after offset `after` (or the newest, for kTail), oldest first,
  /// at most `countMax`.
  virtual void read(std::string_view topic, std::uint64_t after, std::size_t countMax, ReadDone done) = 0;
  /// Starts or stops the live feed of `topic` to this node. Idempotent; a followed topic
  /// is followed again by the backplane itself after a reconnect (and onFollowing says so).
  virtual void follow(std::string_view topic) = 0;
  virtual void unfollow(std::string_view topic) = 0;
};

}  // namespace spread::core
