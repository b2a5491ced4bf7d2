#include "rate_pacer.h"

namespace spread::bench {

RatePacer::RatePacer(std::size_t publishers, double rate)
    : dueUs_(publishers, 0), intervalUs_(1e6 * static_cast<double>(publishers) / rate) {}

void RatePacer::start(std::int64_t nowUs) {
  for (std::size_t i = 0; i < dueUs_.size(); ++i) {
    dueUs_[i] = static_cast<double>(nowUs) + intervalUs_ * static_cast<double>(i) / static_cast<double>(dueUs_.size());
  }
}

bool RatePacer::take(std::size_t publisher, std::int64_t nowUs) {
  double& due = dueUs_[publisher];
  if (due > static_cast<double>(nowUs)) return false;
  due += intervalUs_;
  return true;
}

}  // namespace spread::bench
