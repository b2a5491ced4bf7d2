#pragma once

// A Backplane for the core's unit tests: one in-memory log per topic, shared by every node
// (listener) started on it, whose answers and feed run as tasks on the test's
// ManualExecutor, never inside the call that caused them, as the contract asks. The test
// can take it down, lose a node's feed, lose a log (a new epoch) or trim one.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "spread/core/backplane.h"
#include "spread/core/executor.h"

namespace spread::core::test {

class FakeBackplane {
 public:
  struct Log {
    std::uint64_t epoch = 0;
    std::uint64_t last = 0;
    std::vector<LogEntry> entries;  // consecutive, oldest first
  };

  explicit FakeBackplane(Executor& executor) : executor_(executor) {}

  /// One node's end of it.
  class Node final : public Backplane {
   public:
    explicit Node(FakeBackplane& shared) : shared_(shared) {}
    void start(BackplaneListener& listener) override {
      listener_ = &listener;
      shared_.later([this] { listener_->onAvailability(shared_.up_, shared_.up_ ? "" : "fake: down"); });
    }
    void stop() override { stopped_ = true; }
    void append(std::string_view topic, std::string bytes, AppendDone done) override {
      if (!shared_.up_ || stopped_) {
        shared_.later([done] { done(AppendResult{false, 0, 0, "fake: down"}); });
        return;
      }
      ++shared_.appends;
      const LogEntry entry = shared_.append(std::string(topic), std::move(bytes));
      const std::uint64_t epoch = shared_.logs_[std::string(topic)].epoch;
      shared_.later([done, entry, epoch] { done(AppendResult{true, entry.offset, epoch, {}}); });
      shared_.feed(std::string(topic), epoch, entry);
    }
    void read(std::string_view topic, std::uint64_t after, std::size_t countMax, ReadDone done) override {
      ++shared_.reads;
      // Read when the reply is sent, as a server reads when the command arrives: what is
      // appended meanwhile is in it.
      auto answer = [this, name = std::string(topic), after, countMax, done] {
        LogRead read;
        if (!shared_.up_ || stopped_ || shared_.readsFail) {
          read.problem = "fake: down";
        } else {
          read.ok = true;
          const Log& log = shared_.logs_[name];
          read.epoch = log.epoch;
          read.lastOffset = log.last;
          for (const LogEntry& entry : log.entries) {
            if (after == kTail || entry.offset > after) read.entries.push_back(entry);
          }
          auto& entries = read.entries;
          if (after == kTail && entries.size() > countMax) entries.erase(entries.begin(), entries.end() - countMax);
          if (after != kTail && entries.size() > countMax) entries.resize(countMax);
        }
        done(read);
      };
      // Some backplanes answer at once, inside the call, once they have stopped.
      if (stopped_ && answersInlineWhenStopped) return answer();
      shared_.later(std::move(answer));
    }
    // The feed starts when the follow is confirmed, not when it is asked for: what is
    // appended in between reaches this node only through a read.
    void follow(std::string_view topic) override {
      wanted_.insert(std::string(topic));
      if (shared_.up_) shared_.later([this, name = std::string(topic)] { confirm(name); });
    }
    void unfollow(std::string_view topic) override {
      wanted_.erase(std::string(topic));
      followed_.erase(std::string(topic));
    }

    /// Entries appended while this is set never reach this node's feed (a lossy link).
    bool deaf = false;
    /// After stop(), read() answers inside the call instead of on the executor.
    bool answersInlineWhenStopped = false;

   private:
    friend class FakeBackplane;
    void confirm(const std::string& topic) {
      if (!wanted_.contains(topic)) return;
      followed_.insert(topic);
      listener_->onFollowing(topic);
    }
    FakeBackplane& shared_;
    BackplaneListener* listener_ = nullptr;
    std::set<std::string> wanted_;
    std::set<std::string> followed_;
    bool stopped_ = false;
  };

  Node& node() { return *nodes_.emplace_back(std::make_unique<Node>(*this)); }

  /// Down: every node hears it, appends and reads fail. Up: every node hears it, then every
  /// followed topic is confirmed again.
  void setUp(bool up) {
    up_ = up;
    for (auto& node : nodes_) {
      Node* n = node.get();
      later([n, up] { n->listener_->onAvailability(up, up ? "" : "fake: down"); });
      if (up) {
        for (const std::string& topic : n->wanted_) later([n, topic] { n->confirm(topic); });
      }
    }
  }

  /// The log of `topic` is lost (a flush): the next append starts a new epoch at offset 1.
  void lose(const std::string& topic) { logs_.erase(topic); }

  /// Keeps only the newest `count` entries of `topic`.
  void trim(const std::string& topic, std::size_t count) {
    auto& entries = logs_[topic].entries;
    if (entries.size() > count) entries.erase(entries.begin(), entries.end() - count);
  }

  LogEntry append(const std::string& topic, std::string bytes) {
    Log& log = logs_[topic];
    if (log.epoch == 0) log.epoch = nextEpoch_++;
    LogEntry entry{++log.last, std::move(bytes)};
    log.entries.push_back(entry);
    return entry;
  }

  const Log& log(const std::string& topic) { return logs_[topic]; }

  std::uint64_t appends = 0;
  std::uint64_t reads = 0;
  /// Every read answers with a problem, though the backplane says it is up.
  bool readsFail = false;

 private:
  void later(std::function<void()> task) { executor_.post(std::move(task)); }
  void feed(const std::string& topic, std::uint64_t epoch, const LogEntry& entry) {
    for (auto& node : nodes_) {
      Node* n = node.get();
      if (n->deaf || n->stopped_ || !n->followed_.contains(topic)) continue;
      later([n, topic, epoch, entry] { n->listener_->onEntry(topic, epoch, entry); });
    }
  }

  Executor& executor_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, Log> logs_;
  bool up_ = true;
  std::uint64_t nextEpoch_ = 0xE1;
};

}  // namespace spread::core::test
