#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace spread::bench {

/// A fixed publishing schedule: `rate` messages/s shared evenly by `publishers`, each on
/// its own clock, staggered over one interval so they do not all send at once. A publisher
/// that fell behind (busy with an earlier request) catches up as soon as it is free. Not
/// thread-safe.
class RatePacer {
 public:
  /// REQUIRES: rate > 0, publishers > 0.
  RatePacer(std::size_t publishers, double rate);

  /// Starts every publisher's clock at `nowUs`.
  void start(std::int64_t nowUs);
  /// True, and the publisher's clock advances by one interval, if its next message is due.
  bool take(std::size_t publisher, std::int64_t nowUs);
  /// When the publisher's next message is due.
  double dueUs(std::size_t publisher) const { return dueUs_[publisher]; }
  double intervalUs() const { return intervalUs_; }

 private:
  std::vector<double> dueUs_;
  double intervalUs_;
};

}  // namespace spread::bench
