#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "spread/core/time.h"

namespace spread::sim {

/// A picture of one run: each topic and each connection is a lane across virtual time;
/// a delivery is an arrow from the moment its topic accepted the message to the moment
/// the client read it; drops, closes, stalls and the shutdown are marks. Written as SVG,
/// or as an HTML page holding the SVG.
class Timeline {
 public:
  static constexpr std::size_t kArrowsMax = 4000;  // beyond this, arrows are counted, not drawn

  void addTopic(const std::string& topic);
  void addConnection(std::uint64_t id, const std::string& label, const std::string& topic,
                     core::TimePoint at);
  void accepted(const std::string& topic, std::uint64_t sequence, core::TimePoint at);
  void delivered(std::uint64_t id, std::uint64_t sequence, core::TimePoint at);
  /// `kind` picks the colour: drop, close, stall, resume, refused, leave.
  void mark(std::uint64_t id, core::TimePoint at, const std::string& kind, const std::string& label);
  void shutdown(core::TimePoint at, core::Duration grace);

  void writeSvg(std::ostream& out) const;
  void writeHtml(std::ostream& out, const std::string& title) const;

 private:
  struct Lane {
    std::string label;
    std::string topic;
  };
  struct Arrow {
    std::string topic;
    core::TimePoint from;
    std::uint64_t id;
    core::TimePoint to;
  };
  struct Mark {
    std::uint64_t id;
    core::TimePoint at;
    std::string kind;
    std::string label;
  };

  std::vector<std::string> topics_;
  std::map<std::uint64_t, Lane> lanes_;
  std::map<std::pair<std::string, std::uint64_t>, core::TimePoint> acceptedAt_;
  std::vector<Arrow> arrows_;
  std::size_t arrowsSkipped_ = 0;
  std::vector<Mark> marks_;
  std::vector<std::pair<core::TimePoint, core::Duration>> shutdowns_;
  core::TimePoint end_{};
};

}  // namespace spread::sim
