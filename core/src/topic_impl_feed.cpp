// The fed side of TopicImpl: a topic whose messages a cluster engine numbers (TopicFeed).
#include <algorithm>
#include <limits>
#include <utility>

#include "topic_impl.h"

namespace spread::core {

std::uint64_t TopicImpl::lastOffset() const {
  std::lock_guard lock(mutex_);
  return lastOffset_;
}

std::size_t TopicImpl::backlog() const {
  std::lock_guard lock(mutex_);
  return inbound_.size();
}

bool TopicImpl::hasRoom() const {
  std::lock_guard lock(mutex_);
  return hasRoomLocked();
}

void TopicImpl::adoptEpochLocked(std::uint64_t epoch) {
  epoch_.store(epoch, std::memory_order_relaxed);
  history_.clear();
  lastOffset_ = 0;
  // Every message of the new epoch follows what they waited for.
  for (Awaiting& awaiting : awaiting_) awaiting.record->startAt(nextSequence_);
  awaiting_.clear();
}

void TopicImpl::startAfterLocked(const std::shared_ptr<SubscriptionRecord>& record, std::uint64_t after) {
  if (lastOffset_ >= after) {
    record->startAt(nextSequence_);  // the next message taken is past `after`
    return;
  }
  record->startAt(std::numeric_limits<std::uint64_t>::max());
  awaiting_.push_back(Awaiting{record, after});
}

void TopicImpl::startAwaitingLocked(const Message& message) {
  std::erase_if(awaiting_, [&message](Awaiting& awaiting) {
    if (message.offset() <= awaiting.after) return false;
    awaiting.record->startAt(message.sequence());
    return true;
  });
}

bool TopicImpl::ingestLocked(LogEntry&& entry) {
  if (entry.offset <= lastOffset_) return false;  // a duplicate
  const std::uint64_t known = knownOffsetLocked();
  accepted_.fetch_add(1, std::memory_order_relaxed);
  MessagePtr message;
  if (entry.offset <= known) {
    // The log's tail read had it first, as history; now the feed brings it, and it is live
    // for the subscriptions that were here before (those after it await a later one).
    Payload payload = Payload::raw(std::move(entry.bytes));
    if (history_.enabled() && options_.stampPosition != nullptr) {
      options_.stampPosition(payload.bytes, entry.offset, epoch());
    }
    lastOffset_ = entry.offset;
    message = std::make_shared<const Message>(nextSequence_++, entry.offset, clock_.now(), std::move(payload));
  } else {
    // The log no longer has what lies between: history restarts here, so that it stays a
    // run of consecutive offsets and a resume into the gap is told it came too late.
    if (entry.offset != known + 1) history_.clear();
    message = makeMessageLocked(Payload::raw(std::move(entry.bytes)), entry.offset);
  }
  startAwaitingLocked(*message);
  if (subscribers_->empty() && inbound_.empty() && !drainScheduled_) return false;  // kept as history only
  inbound_.push_back(std::move(message));
  return claimDrainLocked();
}

void TopicImpl::ingest(std::uint64_t epoch, std::vector<LogEntry> entries) {
  bool mustDrain = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return;  // a closing topic fans out what it holds, no more
    if (epoch != this->epoch()) adoptEpochLocked(epoch);
    for (LogEntry& entry : entries) mustDrain = ingestLocked(std::move(entry)) || mustDrain;
  }
  if (mustDrain) postDrain();
}

void TopicImpl::prependHistoryLocked(std::vector<LogEntry>& older) {
  if (older.empty()) return;
  // `older` goes ahead of what the topic holds; holding nothing, it is the history as it stands.
  const std::uint64_t first = history_.size() != 0 ? history_.oldestOffset()
                              : lastOffset_ != 0  ? lastOffset_ + 1
                                                  : older.back().offset + 1;
  // The run of `older` that ends just before `first`, walking back while offsets are consecutive.
  std::vector<MessagePtr> run;
  std::uint64_t expected = first - 1;
  const TimePoint now = clock_.now();
  for (auto it = older.rbegin(); it != older.rend() && expected != 0; ++it) {
    if (it->offset > expected) continue;  // held already
    if (it->offset != expected) break;    // does not join
    Payload payload = Payload::raw(std::move(it->bytes));
    if (options_.stampPosition != nullptr) options_.stampPosition(payload.bytes, it->offset, epoch());
    // Sequence 0: it is only ever replayed, never fanned out live.
    run.push_back(std::make_shared<const Message>(0, it->offset, now, std::move(payload)));
    --expected;
  }
  std::reverse(run.begin(), run.end());
  history_.prepend(run, now);
}

bool TopicImpl::decideHeldLocked(bool available) {
  bool mustDrain = false;
  const std::uint64_t lastAccepted = knownOffsetLocked();
  for (Held& held : held_) {
    if (!held.record->active()) continue;
    SubscribeResult result;
    std::vector<MessagePtr> replay;
    result.status = SubscribeResult::Status::kSubscribed;
    result.resume = history_.select(held.from, lastAccepted, epoch(), clock_.now(), replay);
    if (!available && held.from.kind == SubscribeFrom::Kind::kAfter && result.resume != ResumeOutcome::kRecovered) {
      result.resume = ResumeOutcome::kUnavailable;
      replay.clear();
    }
    result.epoch = epoch();
    result.liveAfter = lastAccepted;
    result.replayed = replay.size();
    startAfterLocked(held.record, lastAccepted);
    std::function<void()> announce;
    if (held.from.decided) {
      announce = [decided = std::move(held.from.decided), result = std::move(result)] { decided(result); };
    }
    pendingReplays_.push_back(Replay{held.record, std::move(replay), std::move(announce)});
    mustDrain = claimDrainLocked() || mustDrain;
  }
  held_.clear();
  return mustDrain;
}

void TopicImpl::warmed(std::uint64_t epoch, std::vector<LogEntry> older, bool available) {
  bool mustDrain = false;
  {
    std::lock_guard lock(mutex_);
    // Once warm, a topic is warmed again only while it holds nothing (its first warm-up
    // found the backplane down).
    if ((!warming_ && lastOffset_ != 0) || state_ != State::kOpen) return;
    warming_ = false;
    if (available && epoch != 0) {
      // Holding nothing yet, the topic takes the log's epoch and offsets as they stand; holding
      // entries of another epoch, the log changed meanwhile and `older` is of no use.
      // Holding nothing fed yet, the topic takes the log's epoch; `older` is history only,
      // and what the feed brings next (even if `older` has it) is live.
      if (lastOffset_ == 0 && epoch != this->epoch()) adoptEpochLocked(epoch);
      if (epoch == this->epoch()) prependHistoryLocked(older);
    }
    mustDrain = decideHeldLocked(available);
  }
  if (mustDrain) postDrain();
}

}  // namespace spread::core
