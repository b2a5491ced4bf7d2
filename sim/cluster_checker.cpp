#include "cluster_checker.h"

#include <algorithm>
#include <optional>

namespace spread::sim {

void ClusterChecker::appended(const std::string& topic, std::uint64_t epoch, const core::LogEntry& entry) {
  taken_[topic].push_back(Taken{epoch, entry});
}

std::size_t ClusterChecker::position(const std::string& topic) const {
  const auto found = taken_.find(topic);
  return found == taken_.end() ? 0 : found->second.size();
}

std::string ClusterChecker::describe(const std::vector<Read>& reads, std::size_t from, std::size_t count) {
  std::string out;
  for (std::size_t i = from; i < reads.size() && i < from + count; ++i) {
    if (!out.empty()) out += ", ";
    out += std::to_string(reads[i].offset) + ":" + reads[i].bytes;
  }
  return "[" + out + "]";
}

std::string ClusterChecker::keptUp(const std::string& topic, std::size_t since, const std::vector<Read>& reads) const {
  const auto found = taken_.find(topic);
  const std::size_t total = found == taken_.end() ? 0 : found->second.size();
  const std::size_t expected = total > since ? total - since : 0;
  for (std::size_t i = 0; i < std::min(expected, reads.size()); ++i) {
    const Taken& want = found->second[since + i];
    const Read& got = reads[i];
    if (got.offset == want.entry.offset && got.bytes == want.entry.bytes) continue;
    const bool twice = std::any_of(reads.begin(), reads.begin() + static_cast<std::ptrdiff_t>(i),
                                   [&got](const Read& earlier) { return earlier == got; });
    return topic + ": read #" + std::to_string(i + 1) + " is " + std::to_string(got.offset) + ":" + got.bytes +
           (twice ? " a second time" : "") + " where the log took " + std::to_string(want.entry.offset) + ":" +
           want.entry.bytes + (twice ? "" : " (lost or out of order)");
  }
  if (reads.size() < expected) {
    const Taken& missing = found->second[since + reads.size()];
    return topic + ": read " + std::to_string(reads.size()) + " of the " + std::to_string(expected) +
           " entries the log took; the first missing is " + std::to_string(missing.entry.offset) + ":" +
           missing.entry.bytes;
  }
  if (reads.size() > expected) {
    return topic + ": read " + std::to_string(reads.size() - expected) +
           " more than the log took: " + describe(reads, expected, 3);
  }
  return {};
}

std::string ClusterChecker::resumed(const std::string& topic, std::uint64_t epoch, std::uint64_t offset,
                                    core::ResumeOutcome outcome, const std::vector<Read>& reads,
                                    std::size_t historySize) const {
  const auto found = taken_.find(topic);
  if (found == taken_.end()) return topic + ": a resume on a topic the log never took";
  const std::vector<Taken>& all = found->second;
  // Where (epoch, offset) sits in what was taken, and whether the log still holds what follows.
  std::optional<std::size_t> at;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].epoch != epoch || all[i].entry.offset != offset) continue;
    if (at) {
      return topic + ": the log gave offset " + std::to_string(offset) + " of epoch " + std::to_string(epoch) +
             " to two entries, so a resume after it may skip what it missed unseen";
    }
    at = i + 1;
  }
  const std::uint64_t current = all.back().epoch;
  std::size_t currentFrom = all.size();  // entries of the current epoch: the log holds the newest of them
  while (currentFrom > 0 && all[currentFrom - 1].epoch == current) --currentFrom;
  const std::size_t heldFrom = std::max(currentFrom, all.size() - std::min(all.size(), historySize));
  const bool servable = at && *at >= heldFrom && (epoch == current);
  if (!servable) {
    if (outcome == core::ResumeOutcome::kRecovered) {
      return topic + ": a resume after " + std::to_string(offset) + " (epoch " + std::to_string(epoch) +
             ") the log could no longer serve was answered recovered instead of impossible";
    }
    return {};
  }
  if (outcome != core::ResumeOutcome::kRecovered) {
    return topic + ": a resume after " + std::to_string(offset) + " the log could serve was answered '" +
           core::describe(outcome) + "'";
  }
  return keptUp(topic, *at, reads);
}

std::string ClusterChecker::inOrder(const std::string& topic, const std::vector<Read>& reads) const {
  const auto found = taken_.find(topic);
  static const std::vector<Taken> kNone;
  const std::vector<Taken>& all = found == taken_.end() ? kNone : found->second;
  std::size_t next = 0;  // reads must match taken entries at increasing positions
  for (std::size_t i = 0; i < reads.size(); ++i) {
    const Read& got = reads[i];
    std::size_t at = next;
    while (at < all.size() && !(all[at].entry.offset == got.offset && all[at].entry.bytes == got.bytes)) ++at;
    if (at == all.size()) {
      const bool earlier =
          std::any_of(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(next),
                      [&got](const Taken& t) { return t.entry.offset == got.offset && t.entry.bytes == got.bytes; });
      return topic + ": read #" + std::to_string(i + 1) + " is " + std::to_string(got.offset) + ":" + got.bytes +
             (earlier ? ", which came before what it had read already (a repeat, or out of order)"
                      : ", which the log never took");
    }
    next = at + 1;
  }
  return {};
}

std::string ClusterChecker::refusedWhileDown(core::PublishOutcome outcome, std::size_t takenBefore,
                                             std::size_t takenAfter) {
  if (outcome != core::PublishOutcome::kUnavailable) {
    return "a publish on a node whose link is down was answered '" + std::string(core::toString(outcome)) +
           "' instead of unavailable";
  }
  if (takenAfter != takenBefore) return "a publish refused as unavailable was taken by the log";
  return {};
}

}  // namespace spread::sim
