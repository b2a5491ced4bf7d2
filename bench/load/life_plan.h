#pragma once

#include <cstdint>

#include "churn_options.h"
#include "seeded_random.h"

namespace spread::bench {

/// Everything chosen at random about one life of a client slot.
struct LifePlan {
  LifeKind kind = LifeKind::kGoodReader;
  std::uint32_t topic = 0;           // index into the run's topics
  std::int64_t gapUs = 0;            // pause between the previous life's end and this one's start
  std::int64_t activeUs = 0;         // how long it reads (good, vanisher), floods or (staller) stalls
  bool reset = false;                // a vanisher closes with RST rather than FIN
  std::uint32_t prefixPermille = 0;  // a half-open handshaker sends this share of its request, 1..999

  friend bool operator==(const LifePlan&, const LifePlan&) = default;
};

/// Chooses the lives of one slot. Each slot draws from its own stream of the run's seed,
/// so slot i's n-th life is the same in every run with the same options, however the
/// timing of the other slots turns out.
class LifePicker {
 public:
  LifePicker(const ChurnOptions& options, std::uint32_t slot);

  LifePlan next();

 private:
  SeededRandom random_;
  const ChurnOptions& options_;
  std::uint64_t weightTotal_ = 0;
};

}  // namespace spread::bench
