#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>

namespace spread::core {

struct SubscribeResult;

/// Where a new subscription starts (see Topic::subscribe). Offsets are Message::offset()
/// values; an epoch names one life of a topic's history (Topic::epoch()).
struct SubscribeFrom {
  enum class Kind {
    kLive,   // only messages accepted from now on
    kLast,   // up to `count` of the newest messages in history, then live ones
    kAfter,  // the messages after `offset` in the history of `epoch`, then live ones
  };
  Kind kind = Kind::kLive;
  std::uint64_t count = 0;
  std::uint64_t offset = 0;
  std::uint64_t epoch = 0;
  /// The most a replay may hand over, so that it fits the subscriber's queue: a kAfter
  /// replay larger than either is refused (kReplayTooLarge); a kLast one is cut to the newest
  /// messages that fit.
  std::size_t replayMessagesMax = std::numeric_limits<std::size_t>::max();
  std::size_t replayBytesMax = std::numeric_limits<std::size_t>::max();
  /// A topic fed by a cluster engine reads its history from the backplane when it is
  /// created; a subscription asking for history before that is answered kPending, and this
  /// runs once it is decided, on the fan-out's thread, before the replay and any live
  /// message reach the subscriber (the SubscribeResult's resume, epoch, liveAfter and
  /// replayed are then set). Not called when subscribe() decides at once.
  std::function<void(const SubscribeResult&)> decided;

  static SubscribeFrom live() { return {}; }
  static SubscribeFrom last(std::uint64_t count) {
    SubscribeFrom from;
    from.kind = Kind::kLast;
    from.count = count;
    return from;
  }
  static SubscribeFrom after(std::uint64_t offset, std::uint64_t epoch) {
    SubscribeFrom from;
    from.kind = Kind::kAfter;
    from.offset = offset;
    from.epoch = epoch;
    return from;
  }
};

/// How a subscription asked to start after an offset (SubscribeFrom::after) fared.
enum class ResumeOutcome {
  kNotAsked,        // it asked for live messages or the last N
  kRecovered,       // every message after the offset is replayed, then live ones: no gap
  kEpochChanged,    // the topic's history was lost since (restart, topic freed): live only
  kOffsetTooOld,    // messages after the offset have left the history: live only
  kOffsetInFuture,  // the offset is beyond the last accepted message: live only
  kReplayTooLarge,  // the replay would not fit the limits the subscriber gave: live only
  kUnavailable,     // the history could not be read (a cluster's backplane is down): live only
  kPending,         // decided later, once the topic's history is read (see SubscribeFrom::decided)
};

/// A short English phrase for `outcome` ("epoch changed"), as clients are told.
const char* describe(ResumeOutcome outcome);

}  // namespace spread::core
