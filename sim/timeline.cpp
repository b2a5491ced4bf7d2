#include "timeline.h"

#include <algorithm>
#include <chrono>

namespace spread::sim {

namespace {

constexpr double kLeft = 170;     // room for lane labels
constexpr double kWidth = 1100;   // drawing width
constexpr double kLaneHeight = 26;
constexpr double kTop = 40;

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* colour(const std::string& kind) {
  if (kind == "drop") return "#d62728";
  if (kind == "close") return "#ff7f0e";
  if (kind == "leave") return "#7f7f7f";
  if (kind == "stall") return "#9467bd";
  if (kind == "resume") return "#2ca02c";
  if (kind == "refused") return "#8c564b";
  return "#000000";
}

double ms(core::TimePoint at) {
  return std::chrono::duration<double, std::milli>(at.time_since_epoch()).count();
}

}  // namespace

void Timeline::addTopic(const std::string& topic) {
  if (std::find(topics_.begin(), topics_.end(), topic) == topics_.end()) topics_.push_back(topic);
}

void Timeline::addConnection(std::uint64_t id, const std::string& label, const std::string& topic, core::TimePoint at) {
  lanes_[id] = Lane{label, topic};
  end_ = std::max(end_, at);
}

void Timeline::accepted(const std::string& topic, std::uint64_t sequence, core::TimePoint at) {
  acceptedAt_[{topic, sequence}] = at;
  end_ = std::max(end_, at);
}

void Timeline::delivered(std::uint64_t id, std::uint64_t sequence, core::TimePoint at) {
  end_ = std::max(end_, at);
  auto lane = lanes_.find(id);
  if (lane == lanes_.end()) return;
  auto from = acceptedAt_.find({lane->second.topic, sequence});
  if (from == acceptedAt_.end()) return;
  if (arrows_.size() >= kArrowsMax) {
    ++arrowsSkipped_;
    return;
  }
  arrows_.push_back(Arrow{lane->second.topic, from->second, id, at});
}

void Timeline::mark(std::uint64_t id, core::TimePoint at, const std::string& kind, const std::string& label) {
  marks_.push_back(Mark{id, at, kind, label});
  end_ = std::max(end_, at);
}

void Timeline::shutdown(core::TimePoint at, core::Duration grace) {
  shutdowns_.emplace_back(at, grace);
  end_ = std::max(end_, at);
}

void Timeline::writeSvg(std::ostream& out) const {
  std::map<std::string, double> topicY;
  std::map<std::uint64_t, double> laneY;
  double y = kTop;
  for (const std::string& topic : topics_) topicY[topic] = (y += kLaneHeight);
  y += kLaneHeight / 2;
  for (const auto& [id, lane] : lanes_) laneY[id] = (y += kLaneHeight);
  const double height = y + kLaneHeight * 2;
  const double span = std::max(1.0, ms(end_));
  auto x = [&](core::TimePoint at) { return kLeft + kWidth * ms(at) / span; };

  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kLeft + kWidth + 40 << "\" height=\"" << height
      << "\" font-family=\"monospace\" font-size=\"11\">\n";
  out << "<defs><marker id=\"head\" markerWidth=\"6\" markerHeight=\"6\" refX=\"5\" refY=\"3\" orient=\"auto\">"
         "<path d=\"M0,0 L6,3 L0,6 z\" fill=\"#1f77b4\"/></marker></defs>\n";
  out << "<text x=\"10\" y=\"18\">virtual time 0 .. " << span << " ms; arrows: accepted -> read";
  if (arrowsSkipped_ > 0) out << " (" << arrowsSkipped_ << " more not drawn)";
  out << "</text>\n";
  for (const auto& [topic, ty] : topicY) {
    out << "<text x=\"10\" y=\"" << ty + 4 << "\" font-weight=\"bold\">topic " << escape(topic) << "</text>";
    out << "<line x1=\"" << kLeft << "\" y1=\"" << ty << "\" x2=\"" << kLeft + kWidth << "\" y2=\"" << ty << "\" stroke=\"#333\"/>\n";
  }
  for (const auto& [id, lane] : lanes_) {
    const double ly = laneY[id];
    out << "<text x=\"10\" y=\"" << ly + 4 << "\">" << escape(lane.label) << "</text>";
    out << "<line x1=\"" << kLeft << "\" y1=\"" << ly << "\" x2=\"" << kLeft + kWidth << "\" y2=\"" << ly << "\" stroke=\"#ccc\"/>\n";
  }
  for (const Arrow& arrow : arrows_) {
    out << "<line x1=\"" << x(arrow.from) << "\" y1=\"" << topicY[arrow.topic] << "\" x2=\"" << x(arrow.to) << "\" y2=\""
        << laneY[arrow.id] << "\" stroke=\"#1f77b4\" stroke-opacity=\"0.35\" marker-end=\"url(#head)\"/>\n";
  }
  for (const auto& [at, grace] : shutdowns_) {
    const double gx = x(at + grace);
    out << "<rect x=\"" << x(at) << "\" y=\"" << kTop << "\" width=\"" << std::max(1.0, std::min(kLeft + kWidth, gx) - x(at))
        << "\" height=\"" << height - kTop - kLaneHeight << "\" fill=\"#ff7f0e\" fill-opacity=\"0.08\"/>";
    out << "<text x=\"" << x(at) + 2 << "\" y=\"" << kTop << "\" fill=\"#ff7f0e\">shutdown</text>\n";
  }
  for (const Mark& mark : marks_) {
    auto lane = laneY.find(mark.id);
    if (lane == laneY.end()) continue;
    out << "<circle cx=\"" << x(mark.at) << "\" cy=\"" << lane->second << "\" r=\"5\" fill=\"" << colour(mark.kind)
        << "\"><title>" << escape(mark.label) << " at " << ms(mark.at) << " ms</title></circle>";
    out << "<text x=\"" << x(mark.at) + 7 << "\" y=\"" << lane->second - 6 << "\" fill=\"" << colour(mark.kind) << "\">"
        << escape(mark.label) << "</text>\n";
  }
  out << "</svg>\n";
}

void Timeline::writeHtml(std::ostream& out, const std::string& title) const {
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << escape(title) << "</title></head><body>\n<h3>"
      << escape(title) << "</h3>\n";
  writeSvg(out);
  out << "</body></html>\n";
}

}  // namespace spread::sim
