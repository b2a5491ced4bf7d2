#include "timeline.h"

#include <algorithm>
#include <chrono>

namespace spread::sim {

namespace {

constexpr double kLeft = 170;    // room for lane labels
constexpr double kWidth = 1100;  // drawing width
constexpr double kLaneHeight = 26;
constexpr double kTop = 40;
constexpr double kCharWidth = 6.7;  // of the 11-pixel monospace font, rounded up
constexpr double kLabelGap = 4;

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

// Maps virtual time to a drawing position with quiet stretches squeezed: each gap between
// two moments where something happened counts for at most `cap`, so a 20ms burst stays
// readable next to a one-second wait for the shutdown.
class TimeAxis {
 public:
  TimeAxis(std::vector<double> moments, double left, double width) : left_(left), width_(width) {
    moments.push_back(0);
    std::sort(moments.begin(), moments.end());
    moments.erase(std::unique(moments.begin(), moments.end()), moments.end());
    cap_ = std::max(1.0, (moments.back() - moments.front()) / 40);
    double squeezed = 0;
    for (std::size_t i = 0; i < moments.size(); ++i) {
      if (i > 0) {
        const double gap = moments[i] - moments[i - 1];
        if (gap > cap_) breaks_.push_back({squeezed + cap_ / 2, gap});
        squeezed += std::min(gap, cap_);
      }
      points_.emplace_back(moments[i], squeezed);
    }
    total_ = std::max(squeezed, 1e-9);
  }

  double x(double at) const {
    auto next = std::lower_bound(points_.begin(), points_.end(), std::make_pair(at, -1.0));
    double squeezed = points_.back().second;
    if (next != points_.end() && next != points_.begin()) {
      const auto& [t1, s1] = *next;
      const auto& [t0, s0] = *(next - 1);
      squeezed = t1 == t0 ? s1 : s0 + (s1 - s0) * (at - t0) / (t1 - t0);
    } else if (next == points_.begin()) {
      squeezed = 0;
    }
    return left_ + width_ * squeezed / total_;
  }
  /// Where the squeezed gaps are drawn, and how long each really was.
  std::vector<std::pair<double, double>> breaks() const {
    std::vector<std::pair<double, double>> out;
    for (const auto& [squeezed, gap] : breaks_) out.emplace_back(left_ + width_ * squeezed / total_, gap);
    return out;
  }

 private:
  double left_;
  double width_;
  double cap_ = 1;
  double total_ = 1;
  std::vector<std::pair<double, double>> points_;  // (time, squeezed time)
  std::vector<std::pair<double, double>> breaks_;  // (squeezed position, real gap)
};

}  // namespace

void Timeline::addTopic(const std::string& topic) {
  if (std::find(topics_.begin(), topics_.end(), topic) == topics_.end()) topics_.push_back(topic);
}

void Timeline::addConnection(std::uint64_t id, const std::string& label, const std::string& topic,
                             core::TimePoint at) {
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
  std::vector<double> moments{ms(end_)};
  for (const Arrow& arrow : arrows_) moments.insert(moments.end(), {ms(arrow.from), ms(arrow.to)});
  for (const Mark& mark : marks_) moments.push_back(ms(mark.at));
  for (const auto& [at, grace] : shutdowns_) moments.push_back(ms(at));
  const TimeAxis axis(std::move(moments), kLeft, kWidth);
  auto x = [&](core::TimePoint at) { return axis.x(ms(at)); };

  // Marks close in time on one lane (a server's "closing 1001 ..." and the close that follows
  // it) would have their labels drawn over each other: a label starts after the one before
  // it on its lane ends (lanes are too close for a second row of labels), and the picture is
  // as wide as its last label.
  std::vector<double> labelXs(marks_.size());
  std::map<std::uint64_t, double> labelEnds;
  double right = kLeft + kWidth + 40;
  for (std::size_t i = 0; i < marks_.size(); ++i) {
    double& end = labelEnds[marks_[i].id];
    labelXs[i] = std::max(x(marks_[i].at) + 7, end);
    end = labelXs[i] + static_cast<double>(marks_[i].label.size()) * kCharWidth + kLabelGap;
    right = std::max(right, end + 10);
  }

  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << right << "\" height=\""
      << height << "\" font-family=\"monospace\" font-size=\"11\">\n";
  out << "<defs><marker id=\"head\" markerWidth=\"6\" markerHeight=\"6\" refX=\"5\" refY=\"3\" "
         "orient=\"auto\">"
         "<path d=\"M0,0 L6,3 L0,6 z\" fill=\"#1f77b4\"/></marker></defs>\n";
  out << "<text x=\"10\" y=\"18\">virtual time 0 .. " << ms(end_)
      << " ms (quiet gaps squeezed); arrows: accepted -> read";
  if (arrowsSkipped_ > 0) out << " (" << arrowsSkipped_ << " more not drawn)";
  out << "</text>\n";
  for (const auto& [topic, ty] : topicY) {
    out << "<text x=\"10\" y=\"" << ty + 4 << "\" font-weight=\"bold\">topic " << escape(topic) << "</text>";
    out << "<line x1=\"" << kLeft << "\" y1=\"" << ty << "\" x2=\"" << kLeft + kWidth << "\" y2=\"" << ty
        << "\" stroke=\"#333\"/>\n";
  }
  for (const auto& [id, lane] : lanes_) {
    const double ly = laneY[id];
    out << "<text x=\"10\" y=\"" << ly + 4 << "\">" << escape(lane.label) << "</text>";
    out << "<line x1=\"" << kLeft << "\" y1=\"" << ly << "\" x2=\"" << kLeft + kWidth << "\" y2=\"" << ly
        << "\" stroke=\"#ccc\"/>\n";
  }
  for (const auto& [bx, gap] : axis.breaks()) {
    out << "<line x1=\"" << bx << "\" y1=\"" << kTop << "\" x2=\"" << bx << "\" y2=\"" << height - kLaneHeight
        << "\" stroke=\"#999\" stroke-dasharray=\"2,3\"/><text x=\"" << bx + 2 << "\" y=\""
        << height - kLaneHeight / 2 << "\" fill=\"#999\">+" << gap << "ms</text>\n";
  }
  for (const Arrow& arrow : arrows_) {
    out << "<line x1=\"" << x(arrow.from) << "\" y1=\"" << topicY[arrow.topic] << "\" x2=\"" << x(arrow.to)
        << "\" y2=\"" << laneY[arrow.id]
        << "\" stroke=\"#1f77b4\" stroke-opacity=\"0.35\" marker-end=\"url(#head)\"/>\n";
  }
  for (const auto& [at, grace] : shutdowns_) {
    const double gx = x(at + grace);
    out << "<rect x=\"" << x(at) << "\" y=\"" << kTop << "\" width=\""
        << std::max(1.0, std::min(x(end_), gx) - x(at)) << "\" height=\"" << height - kTop - kLaneHeight
        << "\" fill=\"#ff7f0e\" fill-opacity=\"0.08\"/>";
    out << "<text x=\"" << x(at) + 2 << "\" y=\"" << kTop << "\" fill=\"#ff7f0e\">shutdown</text>\n";
  }
  for (std::size_t i = 0; i < marks_.size(); ++i) {
    const Mark& mark = marks_[i];
    auto lane = laneY.find(mark.id);
    if (lane == laneY.end()) continue;
    out << "<circle cx=\"" << x(mark.at) << "\" cy=\"" << lane->second << "\" r=\"5\" fill=\""
        << colour(mark.kind) << "\"><title>" << escape(mark.label) << " at " << ms(mark.at)
        << " ms</title></circle>";
    out << "<text x=\"" << labelXs[i] << "\" y=\"" << lane->second - 6 << "\" fill=\"" << colour(mark.kind) << "\">"
        << escape(mark.label) << "</text>\n";
  }
  out << "</svg>\n";
}

void Timeline::writeHtml(std::ostream& out, const std::string& title) const {
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << escape(title)
      << "</title></head><body>\n<h3>" << escape(title) << "</h3>\n";
  writeSvg(out);
  out << "</body></html>\n";
}

}  // namespace spread::sim
