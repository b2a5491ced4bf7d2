#include "shrinker.h"

#include <algorithm>
#include <variant>

#include "scenario_parser.h"

namespace spread::sim {

bool Shrinker::fails(const Scenario& candidate, RunResult* result) {
  if (runs_ >= runsMax_) return false;
  ParseResult parsed = parseScenario(formatScenario(candidate), candidate.file);
  if (std::holds_alternative<ParseError>(parsed)) return false;
  ++runs_;
  RunResult run = runScenario(std::get<Scenario>(parsed), options_);
  const bool same = run.violation && run.violation->invariant == invariant_;
  if (same && result != nullptr) *result = std::move(run);
  return same;
}

void Shrinker::ddmin(Scenario& current, RunResult& last) {
  // Try dropping each of n chunks; on success keep the rest, else split finer.
  std::size_t n = 2;
  while (current.events.size() >= 2 && runs_ < runsMax_) {
    const std::size_t size = current.events.size();
    const std::size_t chunk = (size + n - 1) / n;
    bool reduced = false;
    for (std::size_t start = 0; start < size; start += chunk) {
      Scenario candidate = current;
      candidate.events.erase(
          candidate.events.begin() + static_cast<std::ptrdiff_t>(start),
          candidate.events.begin() + static_cast<std::ptrdiff_t>(std::min(size, start + chunk)));
      if (fails(candidate, &last)) {
        current = std::move(candidate);
        n = std::max<std::size_t>(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= size) break;
      n = std::min(size, n * 2);
    }
  }
}

bool Shrinker::dropWholeClients(Scenario& current, RunResult& last) {
  std::vector<std::string> names;
  for (const Event& event : current.events) {
    if (!event.client.empty() && std::find(names.begin(), names.end(), event.client) == names.end()) {
      names.push_back(event.client);
    }
  }
  bool dropped = false;
  for (const std::string& name : names) {
    if (runs_ >= runsMax_) break;
    Scenario candidate = current;
    std::erase_if(candidate.events, [&](const Event& event) { return event.client == name; });
    if (candidate.events.empty() || candidate.events.size() == current.events.size()) continue;
    if (fails(candidate, &last)) {
      current = std::move(candidate);
      dropped = true;
    }
  }
  return dropped;
}

void Shrinker::simplifyLines(Scenario& current, RunResult& last) {
  // Smaller bursts, and fewer options on each line, make the scenario easier to read.
  for (std::size_t i = 0; i < current.events.size() && runs_ < runsMax_; ++i) {
    while (current.events[i].kind == Event::Kind::kBurst && current.events[i].count > 1) {
      Scenario candidate = current;
      candidate.events[i].count = current.events[i].count / 2;
      if (!fails(candidate, &last)) break;
      current = std::move(candidate);
    }
    for (auto clear : {+[](Event& e) { e.jitter.reset(); }, +[](Event& e) { e.rate.reset(); },
                       +[](Event& e) { e.latency.reset(); }, +[](Event& e) { e.size.reset(); },
                       +[](Event& e) { e.window.reset(); }, +[](Event& e) { e.queue.reset(); }}) {
      Scenario candidate = current;
      clear(candidate.events[i]);
      if (candidate.events[i] == current.events[i]) continue;
      if (fails(candidate, &last)) current = std::move(candidate);
    }
  }
}

ShrinkResult Shrinker::shrink(const Scenario& failing, const std::string& invariant) {
  invariant_ = invariant;
  runs_ = 0;
  Scenario current = failing;
  RunResult last;
  fails(current, &last);

  // ddmin, whole clients, then simpler lines, until a round changes nothing: a client's
  // join line can only go with its other lines, which ddmin's contiguous chunks rarely
  // hold together, and a line with fewer options can let others go.
  for (bool changed = true; changed && runs_ < runsMax_;) {
    const Scenario before = current;
    ddmin(current, last);
    dropWholeClients(current, last);
    simplifyLines(current, last);
    changed = current.events != before.events;
  }

  // Settings back to their defaults where the failure does not need them.
  const Settings defaults;
  auto resetters = {
      +[](Settings& s, const Settings& d) { s.queueBytes = d.queueBytes; },
      +[](Settings& s, const Settings& d) { s.sendWindowBytes = d.sendWindowBytes; },
      +[](Settings& s, const Settings& d) { s.messageBytesMax = d.messageBytesMax; },
      +[](Settings& s, const Settings& d) { s.pingInterval = d.pingInterval, s.idleTimeout = d.idleTimeout; },
      +[](Settings& s, const Settings& d) { s.publishWait = d.publishWait; },
      +[](Settings& s, const Settings& d) { s.fanoutBatch = d.fanoutBatch; },
      +[](Settings& s, const Settings& d) { s.inboundMessagesMax = d.inboundMessagesMax; },
      +[](Settings& s, const Settings& d) { s.topicsMax = d.topicsMax; },
      +[](Settings& s, const Settings& d) { s.topicLinger = d.topicLinger; },
      +[](Settings& s, const Settings& d) { s.closeTimeout = d.closeTimeout; },
      +[](Settings& s, const Settings& d) { s.tokens = d.tokens; },
  };
  for (auto reset : resetters) {
    if (runs_ >= runsMax_) break;
    Scenario candidate = current;
    reset(candidate.settings, defaults);
    if (candidate.settings == current.settings) continue;
    if (fails(candidate, &last)) current = std::move(candidate);
  }

  // Report the final form with the line numbers it has when written out.
  ParseResult parsed = parseScenario(formatScenario(current), current.file);
  Scenario written = std::get<Scenario>(std::move(parsed));
  fails(written, &last);
  return ShrinkResult{std::move(written), std::move(last), runs_, failing.events.size()};
}

}  // namespace spread::sim
