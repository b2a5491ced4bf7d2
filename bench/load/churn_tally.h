#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "churn_options.h"
#include "latency_histogram.h"

namespace spread::bench {

/// The outcome of a good reader whose clean close the server answered with 1000.
inline constexpr const char* kOutcomeClean = "clean 1000";
/// The outcome of a life still going when its phase of the run ended.
inline constexpr const char* kOutcomeEndedByRun = "ended by the run";

/// What the lives of a churn run came to: how each kind of life ended, and what the good
/// readers were owed and got. Outcomes are short labels ("clean 1000", "closed 1008",
/// "reset", "vanished rst", "server closed after request", ...), counted per kind.
struct ChurnTally {
  struct PerKind {
    std::uint64_t started = 0;
    std::map<std::string, std::uint64_t> outcomes;
  };
  std::array<PerKind, kLifeKinds> kinds;

  void started(LifeKind kind) { ++kinds[static_cast<std::size_t>(kind)].started; }
  void ended(LifeKind kind, const std::string& outcome) { ++kinds[static_cast<std::size_t>(kind)].outcomes[outcome]; }

  // Good readers that stayed until they decided to leave, and what they were owed.
  std::uint64_t readersJudged = 0;
  std::uint64_t readersWithLoss = 0;
  std::uint64_t owed = 0;          // messages owed to judged readers
  std::uint64_t missing = 0;       // owed and not received by the time the reader left
  std::uint64_t skipped = 0;       // of missing: skipped, a later one from its publisher came
  std::uint64_t phantom = 0;       // received although the publish was refused
  // Over every good reader's whole life, judged or not.
  std::uint64_t deliveries = 0;    // stamped messages received
  std::uint64_t duplicates = 0;
  std::uint64_t reorders = 0;
  std::uint64_t foreign = 0;       // from a publisher of another topic
  std::uint64_t unparsable = 0;
  std::vector<std::string> notes;  // the first few anomalies, for the human

  LatencyHistogram confirmUs;      // a good reader's upgrade to its first message
  LatencyHistogram halfOpenHeldUs; // a half-open handshaker's partial request to the server's hang-up

  void note(std::string text) {
    if (notes.size() < 8) notes.push_back(std::move(text));
  }
};

}  // namespace spread::bench
