#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "spread/core/message.h"
#include "spread/core/subscribe_from.h"
#include "spread/core/time.h"

namespace spread::core {

/// The newest accepted messages of one topic, bounded by count and by age, for subscribers
/// that start from an offset or ask for the last N. It holds the shared messages, never
/// copies. Not thread-safe: the topic calls it under its lock.
class TopicHistory {
 public:
  TopicHistory(std::size_t sizeMax, Duration ttl, std::size_t bytesMax)
      : sizeMax_(sizeMax), ttl_(ttl), bytesMax_(bytesMax) {}

  bool enabled() const { return sizeMax_ != 0; }

  /// Keeps `message` (the newest accepted) and lets go of what falls out of the bounds.
  void append(MessagePtr message, TimePoint now);

  /// What a subscription starting now needs replayed, given `lastAccepted` (L) and the
  /// topic's `epoch`: the messages go to `replay`, oldest first.
  ResumeOutcome select(const SubscribeFrom& from, std::uint64_t lastAccepted, std::uint64_t epoch,
                       TimePoint now, std::vector<MessagePtr>& replay);

  std::size_t size() const { return messages_.size(); }
  /// REQUIRES: size() > 0.
  std::uint64_t oldestOffset() const { return messages_.front()->offset(); }
  /// The newest offset held; 0 when it holds nothing.
  std::uint64_t newestOffset() const { return messages_.empty() ? 0 : messages_.back()->offset(); }
  void clear();
  /// Puts `older` (consecutive offsets ending just before oldestOffset(), oldest first)
  /// ahead of what it holds, as far as the bounds leave room: the newest of them first.
  void prepend(const std::vector<MessagePtr>& older, TimePoint now);

 private:
  void expire(TimePoint now);
  void dropOldest();

  const std::size_t sizeMax_;
  const Duration ttl_;
  const std::size_t bytesMax_;
  std::deque<MessagePtr> messages_;  // consecutive offsets, oldest first
  std::size_t bytes_ = 0;            // of messages_
};

}  // namespace spread::core
