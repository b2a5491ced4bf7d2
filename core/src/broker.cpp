#include "spread/core/broker.h"

#include <algorithm>
#include <utility>

#include "spread/core/topic_name.h"
#include "topic_impl.h"

namespace spread::core {

// Topics and the sweep's timer tasks hold the link rather than the broker: either may outlive
// it. The destructor detaches the link; holding its mutex through each call makes the
// destructor wait for a call in progress, and every later call does nothing.
class Broker::Link {
 public:
  explicit Link(Broker& broker) : broker_(&broker) {}

  void topicQuiet() {
    std::lock_guard lock(mutex_);
    if (broker_ != nullptr) broker_->topicQuiet();
  }
  void sweep() {
    std::lock_guard lock(mutex_);
    if (broker_ != nullptr) broker_->sweep();
  }
  void detach() {
    std::lock_guard lock(mutex_);
    broker_ = nullptr;
  }

 private:
  std::mutex mutex_;
  Broker* broker_;
};

namespace {

// SplitMix64's finaliser: a bijection, so distinct counters under one seed never share an
// epoch, while different seeds (processes) scatter over the whole 64-bit range.
std::uint64_t topicEpoch(std::uint64_t seed, std::uint64_t counter) {
  std::uint64_t z = seed + counter * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Broker::Broker(Clock& clock, Executor& executor, BrokerOptions options)
    : clock_(clock), executor_(executor), options_(std::move(options)), link_(std::make_shared<Link>(*this)) {}

Broker::~Broker() {
  link_->detach();
  if (sweepTimer_ != TimerId::kNone) executor_.cancel(sweepTimer_);
}

bool Broker::isReserved(std::string_view name) const {
  return !options_.reservedTopic.empty() && name == options_.reservedTopic;
}

std::size_t Broker::countedTopicsLocked() const {
  const bool reservedExists = !options_.reservedTopic.empty() && topics_.count(options_.reservedTopic) != 0;
  return topics_.size() - (reservedExists ? 1 : 0);
}

TopicLookup Broker::topic(std::string_view name) {
  if (auto problem = checkTopicName(name)) {
    return TopicLookup{TopicLookup::Status::kInvalidName, nullptr, *problem};
  }
  TopicList freed;
  std::shared_ptr<TopicImpl> created;
  TopicLookup lookup = lookUpOrCreate(name, freed, created);
  tellFeeder(freed, created);
  return lookup;
}

void Broker::tellFeeder(const TopicList& freed, const std::shared_ptr<TopicImpl>& created) const {
  if (options_.feeder == nullptr) return;
  for (const auto& topic : freed) options_.feeder->topicFreed(*topic);
  if (created) options_.feeder->topicCreated(created);
}

TopicLookup Broker::lookUpOrCreate(std::string_view name, TopicList& freed, std::shared_ptr<TopicImpl>& created) {
  std::lock_guard lock(mutex_);
  if (shuttingDown_) {
    return TopicLookup{TopicLookup::Status::kShuttingDown, nullptr, "the broker is shutting down"};
  }
  if (auto found = topics_.find(name); found != topics_.end()) {
    return TopicLookup{TopicLookup::Status::kFound, found->second, {}};
  }
  if (!isReserved(name) && countedTopicsLocked() >= options_.topicsMax) {
    // A live room beats a lingering empty one: free every idle topic now, linger or not.
    (void)sweepLocked(true, freed);
    if (countedTopicsLocked() >= options_.topicsMax) {
      return TopicLookup{TopicLookup::Status::kTooManyTopics, nullptr,
                         "too many topics: the limit is " + std::to_string(options_.topicsMax) +
                             " topics in use"};
    }
  }
  created = std::make_shared<TopicImpl>(std::string(name), options_.topic, clock_, executor_,
                                        [link = link_] { link->topicQuiet(); }, options_.faults,
                                        topicEpoch(options_.epochSeed, ++topicsCreated_), options_.feeder);
  topics_.emplace(std::string(name), created);
  return TopicLookup{TopicLookup::Status::kCreated, created, {}};
}

void Broker::topicQuiet() {
  std::uint64_t arming;
  TopicList closed;  // declared before the lock, so released after it
  {
    std::lock_guard lock(mutex_);
    // A topic that finished its close says so through here too.
    for (auto it = closingTopics_.begin(); it != closingTopics_.end();) {
      if ((*it)->closeFinished()) {
        closed.push_back(std::move(*it));
        it = closingTopics_.erase(it);
      } else {
        ++it;
      }
    }
    if (shuttingDown_ || topics_.empty()) return;
    sweepRetries_ = 0;  // a new event: the sweep may look again up to kSweepRetriesMax times
    if (sweepPending_) return;
    sweepPending_ = true;
    arming = ++sweepArming_;
  }
  armSweep(options_.topicLinger, arming);
}

void Broker::armSweep(Duration delay, std::uint64_t arming) {
  const TimerId timer = executor_.postAfter(delay, [link = link_] { link->sweep(); });
  std::lock_guard lock(mutex_);
  if (timer == TimerId::kNone) {
    // A stopped executor runs nothing more, so there is nothing left to free topics for:
    // the topics stay until the broker is destroyed. The next topic event may try again.
    if (sweepPending_ && sweepArming_ == arming) sweepPending_ = false;
    return;
  }
  // On a thread pool the sweep may already have run (and perhaps re-armed): then this id
  // names a finished task and must not replace the current one.
  if (sweepPending_ && sweepArming_ == arming) sweepTimer_ = timer;
}

void Broker::sweep() {
  TopicList freed;  // declared before the lock, so released after it
  std::optional<Duration> next;
  std::uint64_t arming = 0;
  {
    std::lock_guard lock(mutex_);
    sweepPending_ = false;
    sweepTimer_ = TimerId::kNone;
    if (shuttingDown_) return;
    const SweepResult result = sweepLocked(false, freed);
    if (result.nextDue) {
      next = *result.nextDue - clock_.now();
    } else if (result.waiting && sweepRetries_ < kSweepRetriesMax) {
      ++sweepRetries_;
      next = std::max(options_.topicLinger, kSweepRetryDelayMin);
    }
    if (next) {
      sweepPending_ = true;
      arming = ++sweepArming_;
    }
  }
  tellFeeder(freed, nullptr);
  if (next) armSweep(*next, arming);
}

Broker::SweepResult Broker::sweepLocked(bool ignoreLinger, TopicList& freed) {
  SweepResult result;
  const TimePoint now = clock_.now();
  for (auto it = topics_.begin(); it != topics_.end();) {
    // Callers get topics only from this map under mutex_, and fan-out tasks hold their topic,
    // so a count of one means nobody can publish to, subscribe to or be working on it.
    const bool held = it->second.use_count() != 1;
    const TopicImpl::Activity activity = it->second->activity();
    if (activity.subscribed) {
      ++it;
    } else if (held || activity.working) {
      result.waiting = true;
      ++it;
    } else if (const TimePoint due = activity.quietSince + options_.topicLinger; !ignoreLinger && due > now) {
      result.nextDue = result.nextDue ? std::min(*result.nextDue, due) : due;
      ++it;
    } else {
      freed.push_back(std::move(it->second));
      it = topics_.erase(it);
    }
  }
  return result;
}

std::shared_ptr<Topic> Broker::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto found = topics_.find(name);
  if (found == topics_.end()) return nullptr;
  return found->second;
}

std::vector<std::string> Broker::topicNames() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  names.reserve(topics_.size());
  for (const auto& [name, topic] : topics_) names.push_back(name);
  return names;
}

void Broker::closeTopic(std::string_view name, Duration deadline, CloseCallback done) {
  std::shared_ptr<TopicImpl> closing;
  {
    std::lock_guard lock(mutex_);
    if (auto found = topics_.find(name); found != topics_.end()) {
      closing = std::move(found->second);
      topics_.erase(found);
      closingTopics_.push_back(closing);
    }
  }
  if (!closing) {
    done(CloseOutcome::kCompleted);
    return;
  }
  tellFeeder({closing}, nullptr);
  closing->close(deadline, std::move(done));
}

namespace {

// Counts topics down to zero, racing a grace timer; whichever finishes first reports.
class ShutdownTally {
 public:
  ShutdownTally(std::size_t topics, CloseCallback done) : remaining_(topics), done_(std::move(done)) {}

  void topicClosed(CloseOutcome outcome) {
    std::unique_lock lock(mutex_);
    if (outcome == CloseOutcome::kAbandoned) abandoned_ = true;
    if (--remaining_ == 0) report(lock, abandoned_ ? CloseOutcome::kAbandoned : CloseOutcome::kCompleted);
  }
  void graceExpired() {
    std::unique_lock lock(mutex_);
    report(lock, CloseOutcome::kDeadlineExceeded);
  }
  void setTimer(Executor& executor, TimerId timer) {
    std::unique_lock lock(mutex_);
    if (timer == TimerId::kNone) {
      // A grace period that cannot be timed has run out.
      report(lock, CloseOutcome::kDeadlineExceeded);
      return;
    }
    if (reported_) {
      executor.cancel(timer);
    } else {
      timer_ = timer;
      executor_ = &executor;
    }
  }

 private:
  void report(std::unique_lock<std::mutex>& lock, CloseOutcome outcome) {
    if (reported_) return;
    reported_ = true;
    CloseCallback done = std::move(done_);
    Executor* executor = executor_;
    const TimerId timer = timer_;
    lock.unlock();
    if (executor != nullptr) executor->cancel(timer);
    done(outcome);
  }

  std::mutex mutex_;
  std::size_t remaining_;
  CloseCallback done_;
  bool reported_ = false;
  bool abandoned_ = false;
  Executor* executor_ = nullptr;
  TimerId timer_ = TimerId::kNone;
};

}  // namespace

void Broker::shutdown(Duration grace, CloseCallback done) {
  std::vector<std::shared_ptr<TopicImpl>> closing;
  TimerId sweepTimer;
  {
    std::lock_guard lock(mutex_);
    shuttingDown_ = true;
    // Nothing is freed from now on; a sweep being armed right now finds shuttingDown_ set.
    sweepTimer = sweepTimer_;
    sweepTimer_ = TimerId::kNone;
    sweepPending_ = false;
    ++sweepArming_;
    for (auto& [name, topic] : topics_) shutDownTopics_.push_back(std::move(topic));
    topics_.clear();
    // Topics closeTopic() removed are not done until their close is: wait for them too.
    for (auto& topic : closingTopics_) shutDownTopics_.push_back(std::move(topic));
    closingTopics_.clear();
    // A repeated shutdown closes these again: a closed topic completes at once, one still
    // closing completes with the first close, so no caller hears kCompleted too early.
    closing = shutDownTopics_;
  }
  if (sweepTimer != TimerId::kNone) executor_.cancel(sweepTimer);
  if (closing.empty()) {
    done(CloseOutcome::kCompleted);
    return;
  }
  auto tally = std::make_shared<ShutdownTally>(closing.size(), std::move(done));
  for (const auto& topic : closing) {
    // Each topic's own deadline is the broker's grace; the tally reports the overall one.
    topic->close(grace, [tally](CloseOutcome outcome) {
      if (outcome != CloseOutcome::kDeadlineExceeded) tally->topicClosed(outcome);
    });
  }
  tally->setTimer(executor_, executor_.postAfter(grace, [tally] { tally->graceExpired(); }));
}

}  // namespace spread::core
