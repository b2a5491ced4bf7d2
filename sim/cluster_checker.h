#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "spread/core/backplane.h"
#include "spread/core/publisher.h"
#include "spread/core/subscribe_from.h"

namespace spread::sim {

/// The cluster's invariants, judged against the truth: every entry the shared log ever
/// took, in the order it took them (SimBackplane::onAppended), not the bounded log itself.
/// Each check returns a sentence naming what broke, or an empty string.
class ClusterChecker {
 public:
  /// What a subscriber read: the message's offset and bytes.
  struct Read {
    std::uint64_t offset = 0;
    std::string bytes;
    friend bool operator==(const Read&, const Read&) = default;
  };

  /// An entry the log took for `topic`.
  void appended(const std::string& topic, std::uint64_t epoch, const core::LogEntry& entry);
  /// How many entries the log has taken for `topic` so far: where a subscription made now
  /// starts (it must read every entry from that position on).
  std::size_t position(const std::string& topic) const;

  /// A subscriber that kept up (its node's link up, or healed while what it missed was still
  /// in the log) must have read every entry taken from `since` on, in order, none twice.
  std::string keptUp(const std::string& topic, std::size_t since, const std::vector<Read>& reads) const;
  /// A resume after (`epoch`, `offset`): when the log still holds every entry after it, the
  /// outcome must be kRecovered and the reads exactly those entries and what followed; when
  /// it cannot (another epoch, or entries trimmed from a log of `historySize`), the outcome
  /// must say so rather than recover with a gap.
  std::string resumed(const std::string& topic, std::uint64_t epoch, std::uint64_t offset, core::ResumeOutcome outcome,
                      const std::vector<Read>& reads, std::size_t historySize) const;
  /// Judged where a loss is excused (a restart, a cut longer than the log holds, a
  /// subscription that ended): every read is an entry the log took, in the order it took
  /// them, none twice.
  std::string inOrder(const std::string& topic, const std::vector<Read>& reads) const;
  /// A publish on a node whose link is down must be refused, and nothing taken for it.
  static std::string refusedWhileDown(core::PublishOutcome outcome, std::size_t takenBefore, std::size_t takenAfter);

 private:
  struct Taken {
    std::uint64_t epoch = 0;
    core::LogEntry entry;
  };
  static std::string describe(const std::vector<Read>& reads, std::size_t from, std::size_t count);
  std::map<std::string, std::vector<Taken>> taken_;
};

}  // namespace spread::sim
