#include "topic_history.h"

#include <algorithm>
#include <utility>

namespace spread::core {

const char* describe(ResumeOutcome outcome) {
  switch (outcome) {
    case ResumeOutcome::kNotAsked: return "not asked";
    case ResumeOutcome::kRecovered: return "recovered";
    case ResumeOutcome::kEpochChanged: return "epoch changed";
    case ResumeOutcome::kOffsetTooOld: return "offset too old";
    case ResumeOutcome::kOffsetInFuture: return "offset in future";
    case ResumeOutcome::kReplayTooLarge: return "replay too large";
    case ResumeOutcome::kUnavailable: return "history unavailable";
    case ResumeOutcome::kPending: return "pending";
  }
  return "unknown";
}

void TopicHistory::append(MessagePtr message, TimePoint now) {
  if (!enabled()) return;
  bytes_ += message->bytes().size();
  messages_.push_back(std::move(message));
  if (messages_.size() > sizeMax_) dropOldest();
  // The newest stays even if it alone is over the bound, so that the history is never
  // emptied by one large message (it goes with the next append).
  while (bytesMax_ != 0 && bytes_ > bytesMax_ && messages_.size() > 1) dropOldest();
  expire(now);
}

void TopicHistory::clear() {
  messages_.clear();
  bytes_ = 0;
}

void TopicHistory::prepend(const std::vector<MessagePtr>& older, TimePoint now) {
  if (!enabled()) return;
  for (auto it = older.rbegin(); it != older.rend(); ++it) {
    const std::size_t size = (*it)->bytes().size();
    if (messages_.size() >= sizeMax_ || (bytesMax_ != 0 && bytes_ + size > bytesMax_)) break;
    bytes_ += size;
    messages_.push_front(*it);
  }
  expire(now);
}

void TopicHistory::dropOldest() {
  bytes_ -= messages_.front()->bytes().size();
  messages_.pop_front();
}

void TopicHistory::expire(TimePoint now) {
  if (ttl_ == Duration::zero()) return;
  while (!messages_.empty() && now - messages_.front()->acceptedAt() >= ttl_) dropOldest();
}

ResumeOutcome TopicHistory::select(const SubscribeFrom& from, std::uint64_t lastAccepted, std::uint64_t epoch,
                                   TimePoint now, std::vector<MessagePtr>& replay) {
  expire(now);
  // Offsets are consecutive, so the history is [first, lastAccepted] (or empty).
  const std::uint64_t first = messages_.empty() ? lastAccepted + 1 : messages_.front()->offset();
  switch (from.kind) {
    case SubscribeFrom::Kind::kLive:
      return ResumeOutcome::kNotAsked;
    case SubscribeFrom::Kind::kLast: {
      // The newest that fit both the count asked for and the subscriber's limits.
      std::size_t bytes = 0;
      std::size_t taken = 0;
      const std::size_t wanted =
          static_cast<std::size_t>(std::min<std::uint64_t>(from.count, from.replayMessagesMax));
      for (auto it = messages_.rbegin(); it != messages_.rend() && taken < wanted; ++it, ++taken) {
        bytes += (*it)->bytes().size();
        if (bytes > from.replayBytesMax) break;
      }
      replay.assign(messages_.end() - static_cast<std::ptrdiff_t>(taken), messages_.end());
      return ResumeOutcome::kNotAsked;
    }
    case SubscribeFrom::Kind::kAfter:
      break;
  }
  if (from.epoch != epoch) return ResumeOutcome::kEpochChanged;
  if (from.offset > lastAccepted) return ResumeOutcome::kOffsetInFuture;
  if (from.offset + 1 < first) return ResumeOutcome::kOffsetTooOld;
  const auto begin = messages_.begin() + static_cast<std::ptrdiff_t>(from.offset + 1 - first);
  if (static_cast<std::size_t>(messages_.end() - begin) > from.replayMessagesMax) {
    return ResumeOutcome::kReplayTooLarge;
  }
  std::size_t bytes = 0;
  for (auto it = begin; it != messages_.end(); ++it) bytes += (*it)->bytes().size();
  if (bytes > from.replayBytesMax) return ResumeOutcome::kReplayTooLarge;
  replay.assign(begin, messages_.end());
  return ResumeOutcome::kRecovered;
}

}  // namespace spread::core
