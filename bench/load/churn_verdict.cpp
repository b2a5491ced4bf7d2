#include "churn_verdict.h"

#include <cmath>
#include <cstdio>

namespace spread::bench {
namespace {

void checkGrowth(std::vector<std::string>& failures, const char* what, std::uint64_t before, std::uint64_t after,
                 double percent, std::uint64_t absolute) {
  const std::uint64_t allowed = allowedGrowth(before, percent, absolute);
  if (after <= before + allowed) return;
  failures.push_back(std::string(what) + " grew from " + std::to_string(before) + " to " + std::to_string(after) +
                     " (allowed: +" + std::to_string(allowed) + ")");
}

}  // namespace

std::uint64_t allowedGrowth(std::uint64_t baseline, double percent, std::uint64_t absolute) {
  const auto relative = static_cast<std::uint64_t>(std::floor(static_cast<double>(baseline) * percent / 100.0));
  return relative > absolute ? relative : absolute;
}

std::vector<std::string> churnVerdict(const ChurnResult& result) {
  std::vector<std::string> failures;
  const ChurnOptions& options = result.options;
  const ChurnTally& tally = result.tally;

  if (!result.baseline || !result.after) {
    failures.push_back("the server (pid " + std::to_string(options.serverPid) + ") could not be sampled " +
                       (result.baseline ? "after the run" : "for the baseline") + ": is it still running?");
  } else {
    const double before = static_cast<double>(result.baseline->process.rssBytes);
    const double after = static_cast<double>(result.after->process.rssBytes);
    if (after > before * (1 + options.rssSlackPercent / 100.0)) {
      char text[160];
      std::snprintf(text, sizeof text, "server RSS grew %.1f%% (%.2f -> %.2f MiB; allowed %.1f%%)",
                    100.0 * (after - before) / before, before / 1048576.0, after / 1048576.0, options.rssSlackPercent);
      failures.push_back(text);
    }
    checkGrowth(failures, "server descriptors", result.baseline->descriptors, result.after->descriptors,
                options.fdSlackPercent, options.fdSlack);
    checkGrowth(failures, "server threads", result.baseline->process.threads, result.after->process.threads,
                options.threadSlackPercent, options.threadSlack);
  }

  if (tally.missing > 0) {
    failures.push_back(std::to_string(tally.readersWithLoss) + " good readers lost " + std::to_string(tally.missing) +
                       " of " + std::to_string(tally.owed) + " messages owed to them");
  }
  if (tally.duplicates > 0) failures.push_back(std::to_string(tally.duplicates) + " messages were delivered twice");
  if (tally.reorders > 0) failures.push_back(std::to_string(tally.reorders) + " messages arrived out of order");
  if (tally.phantom > 0) {
    failures.push_back(std::to_string(tally.phantom) + " messages were delivered although their publish was refused");
  }
  if (tally.foreign > 0) failures.push_back(std::to_string(tally.foreign) + " messages reached a reader of another topic");
  if (tally.unparsable > 0) failures.push_back(std::to_string(tally.unparsable) + " messages carried no stamp");
  // A server that stops serving (a jammed accept path, say) leaks nothing and loses
  // nothing it accepted; the good readers' outcomes show it.
  const auto& good = tally.kinds[static_cast<std::size_t>(LifeKind::kGoodReader)].outcomes;
  std::uint64_t ended = 0;
  std::uint64_t clean = 0;
  std::string others;
  for (const auto& [outcome, count] : good) {
    if (outcome == kOutcomeEndedByRun) continue;
    ended += count;
    if (outcome == kOutcomeClean) clean += count;
    else others += (others.empty() ? "" : ", ") + outcome + " " + std::to_string(count);
  }
  if (ended > 0 && 100.0 * static_cast<double>(clean) < options.cleanMinPercent * static_cast<double>(ended)) {
    char text[160];
    std::snprintf(text, sizeof text, "only %.1f%% of the good readers that ended on their own closed cleanly (minimum %.0f%%)",
                  100.0 * static_cast<double>(clean) / static_cast<double>(ended), options.cleanMinPercent);
    failures.push_back(text + std::string("; the others: ") + others);
  }
  if (tally.readersJudged == 0) {
    failures.push_back("no good reader lived to its clean close, so nothing was checked for loss");
  }
  if (result.publishesAccepted == 0) failures.push_back("no publish was accepted");
  return failures;
}

}  // namespace spread::bench
