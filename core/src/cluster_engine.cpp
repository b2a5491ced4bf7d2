#include "spread/core/cluster_engine.h"

#include <deque>
#include <optional>
#include <utility>

namespace spread::core {

struct ClusterEngine::Lifetime {
  explicit Lifetime(ClusterEngine* owner) : engine(owner) {}
  // Recursive: a task holding it calls the backplane, and a backplane that has stopped may
  // answer at once, on the same thread, into a callback that takes it again. With a plain
  // mutex that was a self-deadlock, which hung spreadd's shutdown now and then.
  std::recursive_mutex mutex;
  ClusterEngine* engine;
};

// One followed topic. Guarded by the engine's mutex_.
struct ClusterEngine::TopicState {
  struct Pending {
    std::uint64_t epoch;
    LogEntry entry;
  };

  std::string name;
  std::weak_ptr<TopicFeed> feed;
  bool warming = true;          // the topic's history is not read yet
  std::uint64_t reading = 0;    // the read in flight (0: none); a reply with another id is stale
  bool needsFill = false;       // the feed was (re)confirmed after a time entries may have been missed
  bool fillFromStart = false;   // the log started over: the next fill reads its first entry on
  std::uint64_t readAfter = 0;  // what the read in flight asked for
  bool dropped = false;         // entries were left out of `pending` (full): read them back
  bool jumpAllowed = false;     // the last read could not join `pending` to the topic: take it as it comes
  bool retryArmed = false;
  bool following = false;       // the feed was confirmed at least once
  std::deque<Pending> pending;  // arrived, not yet fed: oldest first
  // This node's publishes made before the feed was first confirmed: appended once it is, so
  // that they come back through the feed and reach the subscribers that were already here.
  std::vector<std::pair<std::string, PublishCallback>> early;
};

ClusterEngine::ClusterEngine(Backplane& backplane, Clock& clock, Executor& executor, ClusterEngineOptions options)
    : backplane_(backplane),
      clock_(clock),
      executor_(executor),
      options_(options),
      lifetime_(std::make_shared<Lifetime>(this)) {}

ClusterEngine::~ClusterEngine() {
  stop();
  std::lock_guard lock(lifetime_->mutex);
  lifetime_->engine = nullptr;
}

void ClusterEngine::start() { backplane_.start(*this); }

void ClusterEngine::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    health_ = EngineHealth{false, "the cluster engine has stopped"};
  }
  backplane_.stop();
}

void ClusterEngine::schedule(Duration delay, std::function<void(ClusterEngine&)> task) {
  (void)executor_.postAfter(delay, [weak = std::weak_ptr<Lifetime>(lifetime_), task = std::move(task)] {
    const std::shared_ptr<Lifetime> lifetime = weak.lock();
    if (!lifetime) return;
    std::lock_guard lock(lifetime->mutex);
    if (lifetime->engine != nullptr) task(*lifetime->engine);
  });
}

EngineHealth ClusterEngine::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void ClusterEngine::publish(std::string_view name, Payload payload, Duration /*waitMax*/, PublishCallback done) {
  // A refusal is answered once the lock is released: `done` may ask health(), which takes it.
  std::optional<PublishOutcome> refusal;
  {
    std::lock_guard lock(mutex_);
    if (!health_.available) {
      refusal = PublishOutcome::kUnavailable;
    } else if (auto found = topics_.find(name); found != topics_.end()) {
      const StatePtr& state = found->second;
      // This node's share of the backpressure: its own topic's backlog, admitted by the same
      // rules as on one node (count and delivery-delay target). A node with no subscriber of
      // the topic has no backlog to protect and appends at the log's pace.
      if (auto feed = state->feed.lock();
          feed && (feed->backlog() >= options_.backlogMax || !feed->hasRoom())) {
        refusal = PublishOutcome::kBusy;
      } else if (!state->following) {
        if (state->early.size() >= options_.backlogMax) {
          refusal = PublishOutcome::kBusy;
        } else {
          state->early.emplace_back(std::move(payload.bytes), std::move(done));
          return;
        }
      }
    }
  }
  if (refusal) {
    done(*refusal);
    return;
  }
  append(name, std::move(payload.bytes), std::move(done));
}

void ClusterEngine::append(std::string_view name, std::string bytes, PublishCallback done) {
  backplane_.append(name, std::move(bytes), [done = std::move(done)](AppendResult result) {
    done(result.ok ? PublishOutcome::kAccepted : PublishOutcome::kUnavailable);
  });
}

void ClusterEngine::releaseEarlyLocked(const StatePtr& state, Calls& calls) {
  state->following = true;
  for (auto& [bytes, done] : state->early) {
    calls.push_back([this, name = state->name, bytes = std::move(bytes), done = std::move(done)]() mutable {
      append(name, std::move(bytes), std::move(done));
    });
  }
  state->early.clear();
}

void ClusterEngine::topicCreated(const std::shared_ptr<TopicFeed>& feed) {
  auto state = std::make_shared<TopicState>();
  state->name = feed->name();
  state->feed = feed;
  {
    std::lock_guard lock(mutex_);
    topics_[state->name] = state;
  }
  backplane_.follow(state->name);
  schedule(options_.warmDeadline, [state](ClusterEngine& engine) { engine.giveUpWarming(state); });
}

void ClusterEngine::topicFreed(const TopicFeed& feed) {
  Calls calls;
  {
    std::lock_guard lock(mutex_);
    auto found = topics_.find(feed.name());
    if (found == topics_.end()) return;
    // A topic of the same name created since has replaced it, and is followed.
    const std::shared_ptr<TopicFeed> current = found->second->feed.lock();
    if (current && current.get() != &feed) return;
    releaseEarlyLocked(found->second, calls);
    topics_.erase(found);
  }
  for (auto& call : calls) call();
  backplane_.unfollow(feed.name());
}

void ClusterEngine::giveUpWarming(const StatePtr& state) {
  Calls calls;
  {
    std::lock_guard lock(mutex_);
    if (!state->warming) return;
    const std::shared_ptr<TopicFeed> feed = state->feed.lock();
    if (!feed) return;
    // The read never came (the backplane is down): waiting subscriptions go on live, and a
    // late reply is stale. A later onFollowing warms the topic again if it holds nothing.
    state->warming = false;
    state->reading = 0;
    feed->warmed(0, {}, false);
    releaseEarlyLocked(state, calls);
    advanceLocked(state, calls);
  }
  for (auto& call : calls) call();
}

void ClusterEngine::onAvailability(bool available, std::string problem) {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  health_ = EngineHealth{available, std::move(problem)};
}

void ClusterEngine::onFollowing(std::string_view topic) {
  Calls calls;
  {
    std::lock_guard lock(mutex_);
    auto found = topics_.find(topic);
    if (found == topics_.end()) return;
    const StatePtr& state = found->second;
    const std::shared_ptr<TopicFeed> feed = state->feed.lock();
    if (!feed) return;
    releaseEarlyLocked(state, calls);
    // Holding nothing, the topic reads the log's tail as history; otherwise it reads what it
    // may have missed before the feed was confirmed.
    if (feed->lastOffset() == 0) {
      state->warming = true;
      state->reading = 0;
      startReadLocked(state, true, calls);
    } else {
      state->needsFill = true;
      advanceLocked(state, calls);
    }
  }
  for (auto& call : calls) call();
}

void ClusterEngine::onEntry(std::string_view topic, std::uint64_t epoch, LogEntry entry) {
  Calls calls;
  {
    std::lock_guard lock(mutex_);
    auto found = topics_.find(topic);
    if (found == topics_.end()) return;
    const StatePtr& state = found->second;
    if (state->pending.size() >= options_.backlogMax) {
      state->dropped = true;  // it stays in the log
    } else {
      state->pending.push_back(TopicState::Pending{epoch, std::move(entry)});
    }
    advanceLocked(state, calls);
  }
  for (auto& call : calls) call();
}

void ClusterEngine::advanceLocked(const StatePtr& state, Calls& calls) {
  if (state->warming || state->reading != 0) return;  // the read's reply advances
  const std::shared_ptr<TopicFeed> feed = state->feed.lock();
  if (!feed) return;
  if (state->needsFill) {
    startReadLocked(state, false, calls);
    return;
  }
  std::vector<LogEntry> run;
  std::uint64_t runEpoch = feed->epoch();
  std::uint64_t last = feed->lastOffset();
  while (!state->pending.empty()) {
    TopicState::Pending& next = state->pending.front();
    const bool sameEpoch = next.epoch == runEpoch;
    if (sameEpoch && next.entry.offset <= last) {
      state->pending.pop_front();  // a duplicate: the read brought it already
      continue;
    }
    const bool joins = sameEpoch ? next.entry.offset == last + 1 : next.entry.offset == 1;
    if (!joins && !state->jumpAllowed) {
      state->needsFill = true;  // what lies between is in the log
      break;
    }
    if (!sameEpoch && !run.empty()) break;  // one epoch per ingest
    if (feed->backlog() + run.size() >= options_.backlogMax) break;
    state->jumpAllowed = false;
    runEpoch = next.epoch;
    last = next.entry.offset;
    run.push_back(std::move(next.entry));
    state->pending.pop_front();
  }
  if (!run.empty()) feed->ingest(runEpoch, std::move(run));
  if (state->needsFill) {
    startReadLocked(state, false, calls);
  } else if (!state->pending.empty() || state->dropped) {
    if (state->pending.empty()) {
      // What was left out while pending was full follows what was fed: read it back.
      state->dropped = false;
      state->needsFill = true;
      startReadLocked(state, false, calls);
    } else if (!state->retryArmed) {
      // Behind (the backlog is full): look again soon.
      state->retryArmed = true;
      calls.push_back([this, state] { retryLater(state); });
    }
  }
}

void ClusterEngine::startReadLocked(const StatePtr& state, bool warming, Calls& calls) {
  const std::shared_ptr<TopicFeed> feed = state->feed.lock();
  if (!feed) return;
  const std::uint64_t reading = nextRead_++;
  state->reading = reading;
  const std::uint64_t after = warming ? Backplane::kTail : state->fillFromStart ? 0 : feed->lastOffset();
  state->readAfter = after;
  const std::size_t countMax = warming ? options_.warmEntriesMax : options_.fillEntriesMax;
  calls.push_back([this, state, reading, after, countMax, name = state->name] {
    backplane_.read(name, after, countMax, [weak = std::weak_ptr<Lifetime>(lifetime_), state, reading](LogRead read) {
      const std::shared_ptr<Lifetime> lifetime = weak.lock();
      if (!lifetime) return;
      std::lock_guard lock(lifetime->mutex);
      if (lifetime->engine != nullptr) lifetime->engine->readDone(state, reading, std::move(read));
    });
  });
}

void ClusterEngine::readDone(const StatePtr& state, std::uint64_t reading, LogRead read) {
  Calls calls;
  {
    std::lock_guard lock(mutex_);
    if (state->reading != reading) return;  // stale: a later read replaced it
    state->reading = 0;
    bool readFailed = false;
    const std::shared_ptr<TopicFeed> feed = state->feed.lock();
    if (!feed) return;
    if (state->warming) {
      state->warming = false;
      std::vector<LogEntry> older = std::move(read.entries);
      // The tail is history. What the feed brings next is live, whether or not the tail had
      // it (the read may run ahead of the feed): the topic sorts that out by offset.
      state->jumpAllowed = true;
      feed->warmed(read.ok ? read.epoch : 0, std::move(older), read.ok);
      if (!read.ok) state->needsFill = false;  // warmed again once the feed is confirmed
    } else if (!read.ok) {
      // Read again after retryDelay, not at once: a backplane that is down answers at once,
      // and reading again straight away would spin (or, answered inside the call, recurse).
      if (!state->retryArmed) {
        state->retryArmed = true;
        calls.push_back([this, state] { retryLater(state); });
      }
      readFailed = true;
    } else if (read.epoch != 0 && read.epoch != feed->epoch() && state->readAfter != 0) {
      // The log started over since this node last read it: the offsets asked for were the
      // old epoch's, so the new one is read again from its first entry.
      state->fillFromStart = true;
    } else {
      state->needsFill = false;
      state->fillFromStart = false;
      const bool more = !read.entries.empty() && read.entries.back().offset < read.lastOffset;
      if (!read.entries.empty()) feed->ingest(read.epoch, std::move(read.entries));
      // What the log no longer had is gone: what arrived meanwhile is taken as it comes.
      state->jumpAllowed = !more;
      if (more) state->needsFill = true;
    }
    if (!readFailed) advanceLocked(state, calls);
  }
  for (auto& call : calls) call();
}

void ClusterEngine::retryLater(const StatePtr& state) {
  schedule(options_.retryDelay, [state](ClusterEngine& engine) { engine.advance(state); });
}

void ClusterEngine::advance(const StatePtr& state) {
  Calls calls;
  {
    std::lock_guard lock(mutex_);
    state->retryArmed = false;
    if (auto found = topics_.find(state->name); found == topics_.end() || found->second != state) return;
    advanceLocked(state, calls);
  }
  for (auto& call : calls) call();
}

}  // namespace spread::core
