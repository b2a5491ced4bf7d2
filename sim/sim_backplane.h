#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/backplane.h"
#include "spread/core/clock.h"
#include "spread/core/executor.h"

namespace spread::sim {

/// The simulator's model of the medium a cluster shares (what Redis is to the daemon): one
/// log per topic, numbered from 1 within an epoch and bounded to the newest `historySize`
/// entries, and for each node a link of its own that the scenario can cut, heal or slow
/// down. Everything runs as tasks on the run's executor and virtual clock, never inside the
/// call that caused it (the Backplane contract), so a run repeats exactly.
///
/// A link's traffic (append and read answers, feed entries, availability news) is delivered
/// in the order it was sent, each `delay` after it was sent, however the delay changes. A
/// cut link loses what was in flight on it: appends not yet applied fail ("link cut"),
/// feed entries and answers are dropped, and the node hears onAvailability(false). A healed
/// link says onAvailability(true), then onFollowing for each topic it follows.
class SimBackplane {
 public:
  /// Deliberate bugs (tests show the cluster invariants catch each).
  struct Faults {
    bool acceptWhileCut = false;      // a cut link does not say so, and its appends answer ok and are lost
    bool keepEpochOnRestart = false;  // a restart empties the logs but reuses their epochs
    bool silentHeal = false;          // a healed link neither follows its topics again nor says so
  };

  class Link;

  SimBackplane(core::Clock& clock, core::Executor& executor, std::size_t historySize, std::uint64_t seed);
  ~SimBackplane();
  SimBackplane(const SimBackplane&) = delete;
  SimBackplane& operator=(const SimBackplane&) = delete;

  /// Node `node`'s end (1-based); created on first use.
  Link& link(int node);
  /// Loses the link: what is in flight on it, and everything until heal().
  void cut(int node);
  void heal(int node);
  /// From now on every delivery on the link arrives `delay` after it is sent (still in order).
  void setDelay(int node, core::Duration delay);
  /// A restart without persistence: every log is lost (the next append starts a new epoch at
  /// offset 1) and every link that is up drops for `downFor`, then comes back by itself.
  void restart(core::Duration downFor);

  struct Log {
    std::uint64_t epoch = 0;
    std::uint64_t last = 0;
    std::vector<core::LogEntry> entries;  // the newest up to historySize, oldest first
  };
  /// The log of `topic`, or nullptr if nothing was appended to it since the last restart.
  const Log* log(std::string_view topic) const;

  Faults faults;
  /// Told of every entry a log takes, in the order taken (the truth a checker judges by).
  std::function<void(const std::string& topic, std::uint64_t epoch, const core::LogEntry& entry)> onAppended;

 private:
  friend class Link;
  core::AppendResult appendNow(const std::string& topic, std::string bytes);
  core::LogRead readNow(const std::string& topic, std::uint64_t after, std::size_t countMax) const;
  void feed(const std::string& topic, std::uint64_t epoch, const core::LogEntry& entry);

  core::Clock& clock_;
  core::Executor& executor_;
  const std::size_t historySize_;
  std::uint64_t nextEpoch_;
  std::map<std::string, Log, std::less<>> logs_;
  std::map<std::string, std::uint64_t, std::less<>> lostEpochs_;  // for Faults::keepEpochOnRestart
  std::map<int, std::unique_ptr<Link>> links_;
};

/// One node's end of a SimBackplane: the core::Backplane its ClusterEngine uses.
class SimBackplane::Link final : public core::Backplane {
 public:
  Link(SimBackplane& shared, int node) : shared_(shared), node_(node) {}

  void start(core::BackplaneListener& listener) override;
  void stop() override;
  void append(std::string_view topic, std::string bytes, core::AppendDone done) override;
  void read(std::string_view topic, std::uint64_t after, std::size_t countMax, core::ReadDone done) override;
  void follow(std::string_view topic) override;
  void unfollow(std::string_view topic) override;

  bool up() const { return up_; }
  int node() const { return node_; }

 private:
  friend class SimBackplane;
  /// Runs `task` after the link's delay and after everything sent on it before. A task
  /// sent before the link was cut (or the backplane stopped) runs `lost` instead, if any.
  void send(std::function<void()> task, std::function<void()> lost = {});
  void goDown(const std::string& problem);
  void comeBack();

  SimBackplane& shared_;
  const int node_;
  core::BackplaneListener* listener_ = nullptr;
  bool up_ = true;
  bool cut_ = false;  // by the scenario: stays down until healed
  bool stopped_ = false;
  std::string downProblem_;       // why it is down: "link cut", "backplane restarted"
  std::uint64_t generation_ = 0;  // +1 whenever the link goes down
  core::Duration delay_{};
  core::TimePoint lastDue_{};
  std::set<std::string, std::less<>> followed_;
};

}  // namespace spread::sim
