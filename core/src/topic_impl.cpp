#include "topic_impl.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace spread::core {

TopicImpl::TopicImpl(std::string name, const TopicOptions& options, Clock& clock,
                     Executor& executor, QuietCallback onQuiet, const InjectedFaults* faults,
                     std::uint64_t epoch, TopicFeeder* feeder)
    : name_(std::move(name)),
      options_(options),
      clock_(clock),
      executor_(executor),
      onQuiet_(std::move(onQuiet)),
      faults_(faults),
      feeder_(feeder),
      epoch_(epoch),
      history_(options.historySize, options.historyTtl, options.historyBytesMax),
      pace_(options.deliveryDelayTarget),
      subscribers_(std::make_shared<RecordList>()),
      quietSince_(clock.now()) {
  warming_ = feeder != nullptr;
}

bool TopicImpl::hasRoomLocked() const {
  if (inbound_.size() >= options_.inboundMessagesMax) return false;
  const TimePoint now = clock_.now();
  return pace_.admits(inbound_.size(), inbound_.empty() ? now : inbound_.front()->acceptedAt(), now);
}

void TopicImpl::admitWaiting() {
  for (;;) {
    WaitingPublish admitted;
    {
      std::lock_guard lock(mutex_);
      if (waitingPublishes_.empty() || !hasRoomLocked()) return;
      admitted = std::move(waitingPublishes_.front());
      waitingPublishes_.pop_front();
      appendLocked(std::move(admitted.payload));  // the running drain task fans it out
    }
    // Each is told before the next is queued, so a publisher hears of its acceptance while
    // its message is the last one accepted.
    executor_.cancel(admitted.timer);
    admitted.done(PublishOutcome::kAccepted);
  }
}

void TopicImpl::notifyQuiet() const {
  if (onQuiet_) onQuiet_();
}

MessagePtr TopicImpl::makeMessageLocked(Payload&& payload, std::uint64_t offset) {
  const std::uint64_t sequence = nextSequence_++;
  lastOffset_ = offset == 0 ? sequence : offset;
  const TimePoint now = clock_.now();
  if (history_.enabled() && options_.stampPosition != nullptr) {
    options_.stampPosition(payload.bytes, lastOffset_, epoch());
  }
  auto message = std::make_shared<const Message>(sequence, lastOffset_, now, std::move(payload));
  // At acceptance, under the lock: a subscription that reads history later finds every
  // message up to the last accepted, even one still waiting in the inbound queue.
  history_.append(message, now);
  return message;
}

void TopicImpl::appendLocked(Payload&& payload) {
  inbound_.push_back(makeMessageLocked(std::move(payload)));
  accepted_.fetch_add(1, std::memory_order_relaxed);
}

bool TopicImpl::acceptLocked(Payload&& payload) {
  // With nobody subscribed and nothing queued ahead, the message has reached every
  // subscriber (none) the moment it is accepted: no fan-out task, and so no thread hand-off,
  // for a publish nobody hears. History still keeps it.
  if (subscribers_->empty() && inbound_.empty() && !drainScheduled_) {
    if (history_.enabled()) {
      (void)makeMessageLocked(std::move(payload));
    } else {
      lastOffset_ = nextSequence_++;
    }
    accepted_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  appendLocked(std::move(payload));
  return claimDrainLocked();
}

bool TopicImpl::claimDrainLocked() {
  if (drainScheduled_) return false;
  drainScheduled_ = true;
  return true;
}

void TopicImpl::postDrain() {
  if (executor_.post([self = shared_from_this()] { self->drain(); })) return;
  abandon();
}

void TopicImpl::abandon() {
  // Only the holder of the drain claim posts the drain task, so no drain is running: the
  // inbound queue is ours to discard.
  std::deque<WaitingPublish> refused;
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    state_ = State::kClosing;
    inbound_.clear();
    pendingReplays_.clear();
    drainScheduled_ = false;
    refused.swap(waitingPublishes_);
  }
  for (auto& waiting : refused) {
    executor_.cancel(waiting.timer);
    waiting.done(PublishOutcome::kTopicClosed);
  }
  finishClose();
}

PublishOutcome TopicImpl::tryPublish(Payload payload) {
  if (feeder_ != nullptr) {
    // The engine numbers it; its answer comes later, and a caller of tryPublish does not
    // wait for one, so only what can be known now is said.
    if (closed()) return PublishOutcome::kTopicClosed;
    feeder_->publish(name_, std::move(payload), Duration::zero(), [](PublishOutcome) {});
    return PublishOutcome::kAccepted;
  }
  bool mustDrain;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return PublishOutcome::kTopicClosed;
    // Waiting publishers were first; letting this one past them would break their order.
    if (!waitingPublishes_.empty() || !hasRoomLocked()) {
      rejectedBusy_.fetch_add(1, std::memory_order_relaxed);
      return PublishOutcome::kBusy;
    }
    mustDrain = acceptLocked(std::move(payload));
  }
  if (mustDrain) postDrain();
  return PublishOutcome::kAccepted;
}

void TopicImpl::publish(Payload payload, Duration waitMax, PublishCallback done) {
  if (feeder_ != nullptr) {
    if (closed()) return done(PublishOutcome::kTopicClosed);
    feeder_->publish(name_, std::move(payload), waitMax, std::move(done));
    return;
  }
  std::uint64_t id;
  {
    std::unique_lock lock(mutex_);
    if (state_ != State::kOpen) {
      lock.unlock();
      done(PublishOutcome::kTopicClosed);
      return;
    }
    if (waitingPublishes_.empty() && hasRoomLocked()) {
      const bool mustDrain = acceptLocked(std::move(payload));
      lock.unlock();
      if (mustDrain) postDrain();
      done(PublishOutcome::kAccepted);
      return;
    }
    if (waitMax <= Duration::zero()) {
      lock.unlock();
      done(PublishOutcome::kTimedOut);
      return;
    }
    id = nextWaiterId_++;
    waitingPublishes_.push_back(WaitingPublish{id, std::move(payload), std::move(done)});
  }
  const TimerId timer = executor_.postAfter(
      waitMax, [weak = weak_from_this(), id] {
        if (auto self = weak.lock()) self->expirePublish(id);
      });
  if (timer == TimerId::kNone) {
    // A wait that cannot be timed is over at once (unless a drain admitted it meanwhile).
    expirePublish(id);
    return;
  }
  std::lock_guard lock(mutex_);
  for (auto& waiting : waitingPublishes_) {
    if (waiting.id == id) waiting.timer = timer;
  }
}

void TopicImpl::expirePublish(std::uint64_t id) {
  PublishCallback done;
  {
    std::lock_guard lock(mutex_);
    auto found = std::find_if(waitingPublishes_.begin(), waitingPublishes_.end(),
                              [id](const WaitingPublish& w) { return w.id == id; });
    if (found == waitingPublishes_.end()) return;  // admitted or failed meanwhile
    done = std::move(found->done);
    waitingPublishes_.erase(found);
  }
  done(PublishOutcome::kTimedOut);
}

SubscribeResult TopicImpl::subscribe(std::shared_ptr<Subscriber> subscriber, const SubscribeFrom& from) {
  auto record = std::make_shared<SubscriptionRecord>(std::move(subscriber), weak_from_this());
  SubscribeResult result;
  bool mustDrain = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return SubscribeResult{SubscribeResult::Status::kTopicClosed, {}};
    if (warming_ && from.kind != SubscribeFrom::Kind::kLive) {
      // Nothing reaches it until warmed() decides where it starts.
      record->startAt(std::numeric_limits<std::uint64_t>::max());
      ownSubscribersLocked();
      subscribers_->push_back(record);
      held_.push_back(Held{record, from});
      result.status = SubscribeResult::Status::kSubscribed;
      result.handle = SubscriptionHandle(record);
      result.resume = ResumeOutcome::kPending;
      result.epoch = epoch();
      return result;
    }
    const std::uint64_t lastAccepted = knownOffsetLocked();
    std::vector<MessagePtr> replay;
    result.resume = history_.select(from, lastAccepted, epoch(), clock_.now(), replay);
    result.epoch = epoch();
    result.liveAfter = lastAccepted;
    result.replayed = replay.size();
    // Live: exactly the messages accepted from now on, not one accepted earlier and still
    // waiting for its fan-out, which would make what a subscriber sees depend on when that
    // ran. Those are in history already (appended at acceptance), so the replay has them.
    startAfterLocked(record, lastAccepted);
    ownSubscribersLocked();
    subscribers_->push_back(record);
    if (!replay.empty()) {
      pendingReplays_.push_back(Replay{record, std::move(replay), {}});
      mustDrain = claimDrainLocked();
    }
  }
  if (mustDrain) postDrain();
  result.status = SubscribeResult::Status::kSubscribed;
  result.handle = SubscriptionHandle(record);
  return result;
}

void TopicImpl::deliverReplays(std::vector<Replay>& replays) {
  std::uint64_t delivered = 0;
  for (Replay& replay : replays) {
    if (replay.announce) replay.announce();
    std::span<const MessagePtr> rest(replay.messages);
    // In runs of fanoutBatchMax, the most one deliverAll call is handed.
    while (!rest.empty()) {
      const std::span<const MessagePtr> run = rest.first(std::min(rest.size(), options_.fanoutBatchMax));
      const std::optional<BatchDelivery> delivery = replay.record->deliverAll(run);
      if (!delivery) break;
      delivered += delivery->accepted;
      if (delivery->outcome == Delivery::kFull) {
        if (replay.record->end(CloseReason::kSlowConsumer)) {
          slowConsumersDropped_.fetch_add(1, std::memory_order_relaxed);
          forget(replay.record.get());
        }
        break;
      }
      if (delivery->outcome == Delivery::kFailed) {
        if (replay.record->end(CloseReason::kHandlerFailed)) forget(replay.record.get());
        break;
      }
      rest = rest.subspan(run.size());
    }
  }
  delivered_.fetch_add(delivered, std::memory_order_relaxed);
}

void TopicImpl::subscriptionFinished(const SubscriptionRecord* record) {
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kFinishing) return;
    auto found = std::find_if(finishing_.begin(), finishing_.end(),
                              [record](const auto& each) { return each.get() == record; });
    if (found == finishing_.end()) return;
    finishing_.erase(found);
  }
  completeCloseIfFinished();
}

void TopicImpl::forget(const SubscriptionRecord* record) {
  bool lastLeft;
  {
    std::lock_guard lock(mutex_);
    const bool hadSubscribers = !subscribers_->empty();
    ownSubscribersLocked();
    std::erase_if(*subscribers_, [record](const auto& each) { return each.get() == record; });
    lastLeft = hadSubscribers && subscribers_->empty();
    if (lastLeft) quietSince_ = clock_.now();
  }
  if (lastLeft) notifyQuiet();
}

TopicImpl::Activity TopicImpl::activity() const {
  std::lock_guard lock(mutex_);
  return Activity{!subscribers_->empty(),
                  !inbound_.empty() || !pendingReplays_.empty() || drainScheduled_ || !waitingPublishes_.empty() ||
                      state_ == State::kClosing || state_ == State::kFinishing,
                  quietSince_};
}

void TopicImpl::drain() {
  std::size_t handled = 0;
  while (handled < options_.fanoutBatchMax) {
    std::shared_ptr<const RecordList> targets;
    std::size_t taken = 0;
    bool waiting = false;
    bool mustClose = false;
    bool nobodyLeft = false;
    std::vector<Replay> replays;
    {
      std::lock_guard lock(mutex_);
      if (!pendingReplays_.empty()) {
        // Before the next batch: every live message a new subscription is owed comes after
        // its replay, and this drain is the only one running.
        replays.swap(pendingReplays_);
      } else if (inbound_.empty()) {
        pace_.onEmpty(clock_.now());
        waiting = !waitingPublishes_.empty();
        if (!waiting) {
          drainScheduled_ = false;
          mustClose = state_ == State::kClosing;
          nobodyLeft = subscribers_->empty();
        }
      } else {
        // Every message waiting, up to what is left of this task's share, goes out together:
        // each subscriber takes them in one delivery, and its reader is woken once for them.
        taken = std::min(inbound_.size(), options_.fanoutBatchMax - handled);
        for (std::size_t i = 0; i < taken; ++i) {
          batch_.push_back(std::move(inbound_.front()));
          inbound_.pop_front();
        }
        pace_.onTake(clock_.now(), taken);
        targets = subscribers_;
        subscribersShared_ = true;
      }
    }
    if (!replays.empty()) {
      deliverReplays(replays);
      for (const Replay& replay : replays) handled += std::max<std::size_t>(1, replay.messages.size());
      continue;
    }
    if (waiting) {
      // Nothing queued or in flight, so there is room: publishes that waited while the last
      // batch went out are queued now, and the drain (still claimed) takes them next. The
      // turn counts against the task's share, so that it ends even if none is admitted.
      admitWaiting();
      ++handled;
      continue;
    }
    if (taken == 0) {
      // The claim is released: another drain may be filling batch_ already, so not a look
      // at it from here on.
      if (mustClose) {
        finishClose();
      } else if (nobodyLeft) {
        // The last subscriber left while messages were in flight, so the broker's sweep may
        // have found the topic busy: say again that it may be idle now.
        notifyQuiet();
      }
      return;
    }
    admitWaiting();
    fanOut(batch_, *targets);
    handled += taken;
    batch_.clear();  // the messages live on in the subscribers' queues, not here
  }
  // Yield so that other topics' fan-out and timers get the executor too.
  postDrain();
}

void TopicImpl::ownSubscribersLocked() {
  if (!subscribersShared_) return;
  subscribers_ = std::make_shared<RecordList>(*subscribers_);
  subscribersShared_ = false;
}

void TopicImpl::fanOut(std::span<const MessagePtr> batch, const RecordList& targets) {
  const bool skipping = faults_ != nullptr && faults_->topicSkipsSubscriber;
  std::uint64_t delivered = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& record = targets[i];
    // Not what was accepted before it subscribed. The batch is in sequence order, so what is
    // the subscriber's is a suffix of it.
    const auto acceptedBefore = [&record](const MessagePtr& message) {
      return message->sequence() < record->firstSequence();
    };
    const auto first = std::partition_point(batch.begin(), batch.end(), acceptedBefore);
    auto last = batch.end();
    // The injected fault: every second subscription misses everything after its third
    // message, and is never told.
    if (skipping && i % 2 == 1) {
      last = std::partition_point(first, batch.end(), [&record](const MessagePtr& message) {
        return message->sequence() < record->firstSequence() + 3;
      });
    }
    if (first == last) continue;
    // The snapshot may hold subscriptions that ended since it was taken; they are skipped
    // rather than counted as delivered.
    const std::optional<BatchDelivery> delivery = record->deliverAll(std::span<const MessagePtr>(first, last));
    if (!delivery) continue;
    delivered += delivery->accepted;
    switch (delivery->outcome) {
      case Delivery::kAccepted:
        break;
      case Delivery::kFull:
        if (record->end(CloseReason::kSlowConsumer)) {
          slowConsumersDropped_.fetch_add(1, std::memory_order_relaxed);
          forget(record.get());
        }
        break;
      case Delivery::kFailed:
        if (record->end(CloseReason::kHandlerFailed)) forget(record.get());
        break;
    }
  }
  delivered_.fetch_add(delivered, std::memory_order_relaxed);
}

void TopicImpl::close(Duration deadline, CloseCallback done) {
  std::uint64_t id;
  std::deque<WaitingPublish> refused;
  bool mustDrain = false;
  {
    std::unique_lock lock(mutex_);
    if (state_ == State::kClosed) {
      const CloseOutcome outcome = abandoned_ ? CloseOutcome::kAbandoned : CloseOutcome::kCompleted;
      lock.unlock();
      done(outcome);
      return;
    }
    id = nextWaiterId_++;
    waitingCloses_.push_back(WaitingClose{id, std::move(done)});
    if (state_ == State::kOpen) {
      state_ = State::kClosing;
      refused.swap(waitingPublishes_);
      mustDrain = claimDrainLocked();
    }
  }
  for (auto& waiting : refused) {
    executor_.cancel(waiting.timer);
    waiting.done(PublishOutcome::kTopicClosed);
  }
  const TimerId timer = executor_.postAfter(deadline, [weak = weak_from_this(), id] {
    if (auto self = weak.lock()) self->expireClose(id);
  });
  if (timer == TimerId::kNone) {
    // A deadline that cannot be timed has passed; the close goes on all the same.
    expireClose(id);
  } else {
    std::lock_guard lock(mutex_);
    for (auto& waiting : waitingCloses_) {
      if (waiting.id == id) waiting.timer = timer;
    }
  }
  if (mustDrain) postDrain();
}

void TopicImpl::expireClose(std::uint64_t id) {
  CloseCallback done;
  {
    std::lock_guard lock(mutex_);
    auto found = std::find_if(waitingCloses_.begin(), waitingCloses_.end(),
                              [id](const WaitingClose& w) { return w.id == id; });
    if (found == waitingCloses_.end()) return;
    done = std::move(found->done);
    waitingCloses_.erase(found);
  }
  done(CloseOutcome::kDeadlineExceeded);
}

void TopicImpl::finishClose() {
  std::shared_ptr<const RecordList> closing;
  CloseReason reason;
  {
    std::lock_guard lock(mutex_);
    state_ = State::kFinishing;
    held_.clear();  // closed with the others below: nothing to decide for them
    awaiting_.clear();
    closing = std::move(subscribers_);
    subscribers_ = std::make_shared<RecordList>();
    subscribersShared_ = false;
    // A subscription that ends (by us or by a concurrent unsubscribe) and finishes after
    // this point removes itself from finishing_ under mutex_; one finished before is not in it.
    for (const auto& record : *closing) {
      if (!record->finished()) finishing_.push_back(record);
    }
    if (!closing->empty()) quietSince_ = clock_.now();
    reason = abandoned_ ? CloseReason::kAbandoned : CloseReason::kGoingAway;
  }
  for (const auto& record : *closing) record->end(reason);
  completeCloseIfFinished();
}

void TopicImpl::completeCloseIfFinished() {
  std::vector<WaitingClose> waiting;
  CloseOutcome outcome;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kFinishing || !finishing_.empty()) return;
    state_ = State::kClosed;
    waiting.swap(waitingCloses_);
    outcome = abandoned_ ? CloseOutcome::kAbandoned : CloseOutcome::kCompleted;
  }
  for (auto& each : waiting) {
    executor_.cancel(each.timer);
    each.done(outcome);
  }
  notifyQuiet();
}

bool TopicImpl::closeFinished() const {
  std::lock_guard lock(mutex_);
  return state_ == State::kClosed;
}

bool TopicImpl::closed() const {
  std::lock_guard lock(mutex_);
  return state_ != State::kOpen;
}

TopicStats TopicImpl::stats() const {
  TopicStats stats;
  stats.accepted = accepted_.load(std::memory_order_relaxed);
  stats.rejectedBusy = rejectedBusy_.load(std::memory_order_relaxed);
  stats.delivered = delivered_.load(std::memory_order_relaxed);
  stats.slowConsumersDropped = slowConsumersDropped_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  stats.subscribers = subscribers_->size();
  stats.inbound = inbound_.size();
  stats.deliveryDelayExpected =
      inbound_.empty() ? pace_.perMessage()
                       : pace_.expectedDelay(inbound_.size(), inbound_.front()->acceptedAt(), clock_.now());
  stats.waitingPublishes = waitingPublishes_.size();
  return stats;
}

}  // namespace spread::core
