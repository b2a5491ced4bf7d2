#include <set>

#include "simulation_run.h"

namespace spread::sim {

ConnectionId SimulationRun::latestTo(const Client& client, const std::string& topic) const {
  for (auto it = client.connections.rbegin(); it != client.connections.rend(); ++it) {
    if (connections_.at(*it).topic == topic) return *it;
  }
  return 0;
}

void SimulationRun::creditFrame(const std::string& topic, const std::string& bytes) {
  const FrameAttribution::Match match = frames_.accepted(topic, bytes);
  if (match.senders.empty()) return;
  for (ConnectionId id : match.credit) {
    Tally& tally = connections_.at(id).tally;
    ++(match.sure() ? tally.published : tally.publishedUnsure);
  }
  // Frames of several connections of one client are that client's, whichever sent it.
  std::set<std::string> clients;
  for (ConnectionId id : match.senders) clients.insert(connections_.at(id).client);
  if (clients.size() == 1 && !match.postAwaited) {
    ++clients_[*clients.begin()].tally.published;
    return;
  }
  clients.clear();
  for (ConnectionId id : match.credit) clients.insert(connections_.at(id).client);
  for (const std::string& name : clients) ++clients_[name].tally.publishedUnsure;
}

std::string SimulationRun::countProblem(const Expectation& expect, const Tally& tally) {
  std::uint64_t low = 0;
  std::uint64_t unsure = 0;
  std::uint64_t rejected = 0;
  for (std::uint64_t count : tally.rejected) rejected += count;
  switch (expect.kind) {
    case Expectation::Kind::kReceived: low = tally.read; break;
    case Expectation::Kind::kPublished:
      low = tally.published;
      unsure = tally.publishedUnsure;
      break;
    case Expectation::Kind::kRejected:
      low = expect.rejection ? tally.rejected[static_cast<std::size_t>(*expect.rejection)] : rejected;
      break;
    default: return {};
  }
  // An unsure count is a range, and the expectation must hold all over it.
  const std::uint64_t high = low + unsure;
  const bool ok = expect.compare == Expectation::Compare::kEqual     ? low == expect.count && high == expect.count
                  : expect.compare == Expectation::Compare::kAtLeast ? low >= expect.count
                                                                     : high <= expect.count;
  if (ok) return {};
  std::string problem = "the count is " + std::to_string(low);
  if (unsure > 0) {
    problem += " to " + std::to_string(high) + ": " + std::to_string(unsure) +
               " accepted text frame(s) had the bytes of a frame from another connection, or of a POST "
               "awaiting its answer, so whose they were is unknown (give each publish its own text)";
  }
  if (expect.kind == Expectation::Kind::kRejected && rejected > 0) {
    std::string byKind;
    for (std::size_t kind = 0; kind < kRejectionKinds; ++kind) {
      if (tally.rejected[kind] == 0) continue;
      byKind += (byKind.empty() ? "" : ", ") + std::string(toString(static_cast<RejectionKind>(kind))) + " " +
                std::to_string(tally.rejected[kind]);
    }
    problem += " (" + byKind + ")";
  }
  return problem;
}

}  // namespace spread::sim
