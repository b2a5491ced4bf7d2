#include "delivery_ledger.h"

#include <algorithm>

namespace spread::bench {

void PublishLog::sent(std::uint64_t sequence) { lastSent_ = sequence; }

void PublishLog::answered(std::uint64_t sequence, Answer answer) {
  lastAnswered_ = sequence;
  switch (answer) {
    case Answer::kAccepted: ++accepted_; return;
    case Answer::kRefused: ++refused_; break;
    case Answer::kUnknown: ++unknown_; break;
  }
  notAccepted_.emplace_back(sequence, answer);
}

std::vector<std::pair<std::uint64_t, PublishLog::Answer>> PublishLog::notAcceptedIn(std::uint64_t from,
                                                                                    std::uint64_t to) const {
  auto begin = std::lower_bound(notAccepted_.begin(), notAccepted_.end(), from,
                                [](const auto& entry, std::uint64_t value) { return entry.first < value; });
  std::vector<std::pair<std::uint64_t, Answer>> found;
  for (auto it = begin; it != notAccepted_.end() && it->first <= to; ++it) found.push_back(*it);
  return found;
}

void ReaderLedger::reset(std::vector<std::uint32_t> publishers) {
  from_.clear();
  for (std::uint32_t publisher : publishers) from_.push_back(FromPublisher{publisher, 0, 0, 0, {}});
  confirmed_ = frozen_ = false;
}

void ReaderLedger::confirm(const std::vector<PublishLog>& logs) {
  for (FromPublisher& from : from_) from.first = logs[from.publisher].lastSent() + 1;
  confirmed_ = true;
}

void ReaderLedger::freeze(const std::vector<PublishLog>& logs) {
  for (FromPublisher& from : from_) from.last = logs[from.publisher].lastAnswered();
  frozen_ = true;
}

ReaderLedger::FromPublisher* ReaderLedger::find(std::uint32_t publisher) {
  for (FromPublisher& from : from_) {
    if (from.publisher == publisher) return &from;
  }
  return nullptr;
}

ReaderLedger::Receipt ReaderLedger::receive(std::uint32_t publisher, std::uint64_t sequence) {
  FromPublisher* from = find(publisher);
  if (from == nullptr) return Receipt::kForeign;
  auto& runs = from->runs;
  if (sequence > from->highest) {
    // The common case: the next message, extending the last run.
    if (!runs.empty() && runs.back().second + 1 == sequence) runs.back().second = sequence;
    else runs.emplace_back(sequence, sequence);
    from->highest = sequence;
    return Receipt::kNew;
  }
  if (received(*from, sequence)) return Receipt::kDuplicate;
  // An older message arriving late: keep it, so the window's count stays exact.
  auto at = std::lower_bound(runs.begin(), runs.end(), sequence,
                             [](const auto& run, std::uint64_t value) { return run.second < value; });
  at = runs.insert(at, {sequence, sequence});
  if (at + 1 != runs.end() && (at + 1)->first == sequence + 1) {
    at->second = (at + 1)->second;
    runs.erase(at + 1);
  }
  if (at != runs.begin() && (at - 1)->second + 1 == sequence) {
    (at - 1)->second = at->second;
    runs.erase(at);
  }
  return Receipt::kReorder;
}

bool ReaderLedger::received(const FromPublisher& from, std::uint64_t sequence) {
  auto at = std::lower_bound(from.runs.begin(), from.runs.end(), sequence,
                             [](const auto& run, std::uint64_t value) { return run.second < value; });
  return at != from.runs.end() && at->first <= sequence;
}

std::uint64_t ReaderLedger::receivedIn(const FromPublisher& from, std::uint64_t low, std::uint64_t high) {
  std::uint64_t total = 0;
  for (const auto& [runLow, runHigh] : from.runs) {
    const std::uint64_t a = std::max(low, runLow);
    const std::uint64_t b = std::min(high, runHigh);
    if (a <= b) total += b - a + 1;
  }
  return total;
}

ReaderLedger::Count ReaderLedger::count(const std::vector<PublishLog>& logs) const {
  Count count;
  for (const FromPublisher& from : from_) {
    if (from.last < from.first) continue;
    const auto notAccepted = logs[from.publisher].notAcceptedIn(from.first, from.last);
    std::uint64_t got = receivedIn(from, from.first, from.last);
    for (const auto& [sequence, answer] : notAccepted) {
      if (!received(from, sequence)) continue;
      --got;  // not owed, so not counted against the owed ones
      if (answer == PublishLog::Answer::kRefused) ++count.phantom;
    }
    const std::uint64_t owed = from.last - from.first + 1 - notAccepted.size();
    count.owed += owed;
    count.missing += owed - got;
    // The tail above the highest received may still be on its way; below it, it never will.
    const std::uint64_t top = std::min(from.last, from.highest);
    if (top >= from.first) {
      std::uint64_t owedBelow = top - from.first + 1;
      std::uint64_t gotBelow = receivedIn(from, from.first, top);
      for (const auto& [sequence, answer] : notAccepted) {
        if (sequence > top) break;
        --owedBelow;
        if (received(from, sequence)) --gotBelow;
      }
      count.skipped += owedBelow - gotBelow;
    }
  }
  return count;
}

}  // namespace spread::bench
