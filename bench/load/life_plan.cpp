#include "life_plan.h"

namespace spread::bench {
namespace {

// Lives start a little apart, so slots that ended together do not reconnect in step.
constexpr std::int64_t kGapMaxUs = 200'000;

}  // namespace

LifePicker::LifePicker(const ChurnOptions& options, std::uint32_t slot)
    : random_(SeededRandom::forStream(options.seed, slot)), options_(options) {
  for (std::uint32_t weight : options.mix) weightTotal_ += weight;
}

LifePlan LifePicker::next() {
  LifePlan plan;
  // Every draw is made whatever the kind, so a life's choices never shift the next life's.
  std::uint64_t pick = random_.below(weightTotal_);
  std::size_t kind = 0;
  while (kind + 1 < kLifeKinds && pick >= options_.mix[kind]) pick -= options_.mix[kind++];
  plan.kind = static_cast<LifeKind>(kind);
  plan.topic = static_cast<std::uint32_t>(random_.below(options_.topics));
  plan.gapUs = random_.between(0, kGapMaxUs);
  const bool stalls = plan.kind == LifeKind::kStaller;
  plan.activeUs = random_.between(static_cast<std::int64_t>((stalls ? options_.stallMinS : options_.lifeMinS) * 1e6),
                                  static_cast<std::int64_t>((stalls ? options_.stallMaxS : options_.lifeMaxS) * 1e6));
  plan.reset = random_.chance(1, 2);
  plan.prefixPermille = static_cast<std::uint32_t>(random_.between(1, 999));
  return plan;
}

}  // namespace spread::bench
