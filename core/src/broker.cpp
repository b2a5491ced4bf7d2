#include "spread/core/broker.h"

#include <utility>

#include "spread/core/topic_name.h"
#include "topic_impl.h"

namespace spread::core {

Broker::Broker(Clock& clock, Executor& executor, BrokerOptions options)
    : clock_(clock), executor_(executor), options_(options) {}

Broker::~Broker() = default;

TopicLookup Broker::topic(std::string_view name) {
  if (auto problem = checkTopicName(name)) {
    return TopicLookup{TopicLookup::Status::kInvalidName, nullptr, *problem};
  }
  std::lock_guard lock(mutex_);
  if (shuttingDown_) {
    return TopicLookup{TopicLookup::Status::kShuttingDown, nullptr, "the broker is shutting down"};
  }
  if (auto found = topics_.find(name); found != topics_.end()) {
    return TopicLookup{TopicLookup::Status::kFound, found->second, {}};
  }
  if (topics_.size() >= options_.topicsMax) {
    return TopicLookup{TopicLookup::Status::kTooManyTopics, nullptr,
                       "too many topics: the limit is " + std::to_string(options_.topicsMax)};
  }
  auto created = std::make_shared<TopicImpl>(std::string(name), options_.topic, clock_, executor_);
  topics_.emplace(std::string(name), created);
  return TopicLookup{TopicLookup::Status::kCreated, std::move(created), {}};
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
    }
  }
  if (!closing) {
    done(CloseOutcome::kCompleted);
    return;
  }
  closing->close(deadline, std::move(done));
}

namespace {

// Counts topics down to zero, racing a grace timer; whichever finishes first reports.
class ShutdownTally {
 public:
  ShutdownTally(std::size_t topics, CloseCallback done) : remaining_(topics), done_(std::move(done)) {}

  void topicClosed() {
    std::unique_lock lock(mutex_);
    if (--remaining_ == 0) report(lock, CloseOutcome::kCompleted);
  }
  void graceExpired() {
    std::unique_lock lock(mutex_);
    report(lock, CloseOutcome::kDeadlineExceeded);
  }
  void setTimer(Executor& executor, TimerId timer) {
    std::lock_guard lock(mutex_);
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
  Executor* executor_ = nullptr;
  TimerId timer_ = TimerId::kNone;
};

}  // namespace

void Broker::shutdown(Duration grace, CloseCallback done) {
  std::vector<std::shared_ptr<TopicImpl>> closing;
  {
    std::lock_guard lock(mutex_);
    shuttingDown_ = true;
    for (auto& [name, topic] : topics_) shutDownTopics_.push_back(std::move(topic));
    topics_.clear();
    // A repeated shutdown closes these again: a closed topic completes at once, one still
    // closing completes with the first close, so no caller hears kCompleted too early.
    closing = shutDownTopics_;
  }
  if (closing.empty()) {
    done(CloseOutcome::kCompleted);
    return;
  }
  auto tally = std::make_shared<ShutdownTally>(closing.size(), std::move(done));
  for (const auto& topic : closing) {
    // Each topic's own deadline is the broker's grace; the tally reports the overall one.
    topic->close(grace, [tally](CloseOutcome outcome) {
      if (outcome == CloseOutcome::kCompleted) tally->topicClosed();
    });
  }
  tally->setTimer(executor_, executor_.postAfter(grace, [tally] { tally->graceExpired(); }));
}

}  // namespace spread::core
