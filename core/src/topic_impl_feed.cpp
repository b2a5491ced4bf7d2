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
}

bool TopicImpl::ingestLocked(LogEntry&& entry) {
  if (entry.offset <= lastOffset_) return false;  // a duplicate
  // The log no longer has what lies between: history restarts here, so that it stays a run
  // of consecutive offsets and a resume into the gap is told it came too late.
  if (entry.offset != lastOffset_ + 1) history_.clear();
  accepted_.fetch_add(1, std::memory_order_relaxed);
  MessagePtr message = makeMessageLocked(Payload::raw(std::move(entry.bytes)), entry.offset);
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
  const std::uint64_t first = history_.size() == 0 ? lastOffset_ + 1 : history_.oldestOffset();
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
  const std::uint64_t lastAccepted = lastOffset_;
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
    held.record->startAt(nextSequence_);
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
      if (lastOffset_ == 0) {
        if (epoch != this->epoch()) adoptEpochLocked(epoch);
        if (!older.empty()) lastOffset_ = older.back().offset;
      }
      if (epoch == this->epoch()) prependHistoryLocked(older);
    }
    mustDrain = decideHeldLocked(available);
  }
  if (mustDrain) postDrain();
}

}  // namespace spread::core
