#include "sim_backplane.h"

#include <algorithm>
#include <utility>

namespace spread::sim {

namespace {

constexpr const char* kCut = "link cut";
constexpr const char* kRestarted = "backplane restarted";
constexpr const char* kStopped = "stopped";

// Epochs drawn from the run's seed (one splitmix64 step), so that a run repeats exactly and
// different seeds do not share epochs; kept to 31 bits so they read well in a trace.
std::uint64_t firstEpoch(std::uint64_t seed) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return ((z ^ (z >> 31)) >> 33) | 1;
}

core::AppendResult appendFailed(const char* problem) { return core::AppendResult{false, 0, 0, problem}; }

core::LogRead readFailed(std::string problem) {
  core::LogRead read;
  read.problem = std::move(problem);
  return read;
}

}  // namespace

SimBackplane::SimBackplane(core::Clock& clock, core::Executor& executor, std::size_t historySize, std::uint64_t seed)
    : clock_(clock), executor_(executor), historySize_(historySize), nextEpoch_(firstEpoch(seed)) {}

SimBackplane::~SimBackplane() = default;

SimBackplane::Link& SimBackplane::link(int node) {
  std::unique_ptr<Link>& link = links_[node];
  if (!link) link = std::make_unique<Link>(*this, node);
  return *link;
}

void SimBackplane::cut(int node) {
  Link& cut = link(node);
  cut.cut_ = true;
  if (cut.up_) cut.goDown(kCut);
}

void SimBackplane::heal(int node) {
  Link& healed = link(node);
  healed.cut_ = false;
  if (!healed.up_) healed.comeBack();
}

void SimBackplane::setDelay(int node, core::Duration delay) { link(node).delay_ = delay; }

void SimBackplane::restart(core::Duration downFor) {
  for (auto& [topic, log] : logs_) lostEpochs_[topic] = log.epoch;
  logs_.clear();
  for (auto& [node, link] : links_) {
    if (!link->up_ || link->stopped_) continue;
    link->goDown(kRestarted);
    (void)executor_.postAfter(downFor, [dropped = link.get()] {
      if (!dropped->up_ && !dropped->cut_ && !dropped->stopped_) dropped->comeBack();
    });
  }
}

const SimBackplane::Log* SimBackplane::log(std::string_view topic) const {
  const auto found = logs_.find(topic);
  return found == logs_.end() ? nullptr : &found->second;
}

core::AppendResult SimBackplane::appendNow(const std::string& topic, std::string bytes) {
  Log& log = logs_[topic];
  if (log.epoch == 0) {
    const auto lost = lostEpochs_.find(topic);
    log.epoch = faults.keepEpochOnRestart && lost != lostEpochs_.end() ? lost->second : nextEpoch_++;
  }
  const core::LogEntry entry{++log.last, std::move(bytes)};
  if (historySize_ > 0) log.entries.push_back(entry);
  if (log.entries.size() > historySize_) log.entries.erase(log.entries.begin());
  if (onAppended) onAppended(topic, log.epoch, entry);
  feed(topic, log.epoch, entry);
  return core::AppendResult{true, entry.offset, log.epoch, {}};
}

core::LogRead SimBackplane::readNow(const std::string& topic, std::uint64_t after, std::size_t countMax) const {
  core::LogRead read;
  read.ok = true;
  const Log* found = log(topic);
  if (found == nullptr) return read;  // never kept: epoch 0
  read.epoch = found->epoch;
  read.lastOffset = found->last;
  for (const core::LogEntry& entry : found->entries) {
    if (after == core::Backplane::kTail || entry.offset > after) read.entries.push_back(entry);
  }
  if (read.entries.size() > countMax) {
    if (after == core::Backplane::kTail) {
      read.entries.erase(read.entries.begin(), read.entries.end() - static_cast<std::ptrdiff_t>(countMax));
    } else {
      read.entries.resize(countMax);
    }
  }
  return read;
}

void SimBackplane::feed(const std::string& topic, std::uint64_t epoch, const core::LogEntry& entry) {
  for (auto& [node, link] : links_) {
    if (!link->up_ || link->stopped_ || !link->followed_.contains(topic)) continue;
    link->send([to = link.get(), topic, epoch, entry] {
      if (to->listener_ != nullptr) to->listener_->onEntry(topic, epoch, entry);
    });
  }
}

void SimBackplane::Link::send(std::function<void()> task, std::function<void()> lost) {
  const core::TimePoint now = shared_.clock_.now();
  lastDue_ = std::max(now + delay_, lastDue_);
  (void)shared_.executor_.postAfter(lastDue_ - now,
                                    [this, generation = generation_, task = std::move(task), lost = std::move(lost)] {
                                      if (stopped_ || generation != generation_) {
                                        if (lost) lost();
                                        return;
                                      }
                                      task();
                                    });
}

void SimBackplane::Link::goDown(const std::string& problem) {
  up_ = false;
  downProblem_ = problem;
  ++generation_;
  if (shared_.faults.acceptWhileCut && problem == kCut) return;
  send([this, problem] {
    if (listener_ != nullptr) listener_->onAvailability(false, problem);
  });
}

void SimBackplane::Link::comeBack() {
  up_ = true;
  if (shared_.faults.silentHeal) followed_.clear();
  send([this] {
    if (listener_ != nullptr) listener_->onAvailability(true, {});
  });
  for (const std::string& topic : followed_) {
    send([this, topic] {
      if (listener_ != nullptr) listener_->onFollowing(topic);
    });
  }
}

void SimBackplane::Link::start(core::BackplaneListener& listener) {
  listener_ = &listener;
  stopped_ = false;
  const bool up = up_;
  send([this, up] {
    if (listener_ != nullptr) listener_->onAvailability(up, up ? std::string() : downProblem_);
  });
}

void SimBackplane::Link::stop() {
  stopped_ = true;
  listener_ = nullptr;
}

void SimBackplane::Link::append(std::string_view topic, std::string bytes, core::AppendDone done) {
  if (stopped_) {
    shared_.executor_.post([done = std::move(done)] { done(appendFailed(kStopped)); });
    return;
  }
  if (!up_) {
    // Answered on the link's order, after whatever it still carries; a fault answers ok.
    const core::AppendResult answer = shared_.faults.acceptWhileCut ? core::AppendResult{true, 1, 1, {}}
                                                                    : core::AppendResult{false, 0, 0, downProblem_};
    auto answered = [done = std::move(done), answer] { done(answer); };
    send(answered, answered);
    return;
  }
  // The request and its answer travel together: one delay per round trip.
  auto shared = std::make_shared<core::AppendDone>(std::move(done));
  send([this, name = std::string(topic), bytes = std::move(bytes),
        shared]() mutable { (*shared)(shared_.appendNow(name, std::move(bytes))); },
       [this, shared] {
         (*shared)(core::AppendResult{false, 0, 0, stopped_ ? std::string(kStopped) : downProblem_});
       });
}

void SimBackplane::Link::read(std::string_view topic, std::uint64_t after, std::size_t countMax, core::ReadDone done) {
  if (stopped_) {
    shared_.executor_.post([done = std::move(done)] { done(readFailed(kStopped)); });
    return;
  }
  if (!up_) {
    auto answered = [done = std::move(done), problem = downProblem_] { done(readFailed(problem)); };
    send(answered, answered);
    return;
  }
  auto shared = std::make_shared<core::ReadDone>(std::move(done));
  send(
      [this, name = std::string(topic), after, countMax, shared] { (*shared)(shared_.readNow(name, after, countMax)); },
      [this, shared] { (*shared)(readFailed(stopped_ ? std::string(kStopped) : downProblem_)); });
}

void SimBackplane::Link::follow(std::string_view topic) {
  followed_.emplace(topic);
  if (!up_ || stopped_) return;  // confirmed when the link comes back
  send([this, name = std::string(topic)] {
    if (listener_ != nullptr) listener_->onFollowing(name);
  });
}

void SimBackplane::Link::unfollow(std::string_view topic) {
  const auto found = followed_.find(topic);
  if (found != followed_.end()) followed_.erase(found);
}

}  // namespace spread::sim
