// Proves the timeline draws what happened: one lane per connection, one arrow per message
// read, and a red drop mark on the evicted reader's lane; the HTML form wraps the same SVG.
#include <cmath>
#include <sstream>
#include <vector>

#include "sim_test_support.h"
#include "timeline.h"

namespace spread::sim {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++found;
  return found;
}

TEST(TimelineTest, DrawsLanesArrowsAndTheEviction) {
  ParseResult parsed = loadScenario(std::string(SPREAD_SIM_SCENARIO_DIR) + "/slow_consumer.scn");
  ASSERT_TRUE(std::holds_alternative<Scenario>(parsed));
  Timeline timeline;
  RunOptions options = testing::runOptions();
  options.timeline = &timeline;
  const RunResult result = runScenario(std::get<Scenario>(parsed), options);
  ASSERT_TRUE(result.ok()) << result.describe("slow_consumer.scn");

  std::ostringstream svg;
  timeline.writeSvg(svg);
  const std::string text = svg.str();
  EXPECT_EQ(text.rfind("<svg ", 0), 0u);
  EXPECT_EQ(count(text, "marker-end=\"url(#head)\""), result.stats.deliveries);
  for (const char* lane : {">alice #1<", ">bob #2<", ">carol #3<", ">topic chat<"}) {
    EXPECT_NE(text.find(lane), std::string::npos) << lane;
  }
  EXPECT_NE(text.find("fill=\"#d62728\">closing 1008 too slow to keep up</text>"), std::string::npos);

  std::ostringstream html;
  timeline.writeHtml(html, "slow <consumer>");
  EXPECT_NE(html.str().find("<title>slow &lt;consumer&gt;</title>"), std::string::npos);
  EXPECT_NE(html.str().find(text), std::string::npos);
}

struct Label {
  double x, y, width;
};

// Every mark's <text>, with the width its characters take.
std::vector<Label> markLabels(const std::string& svg) {
  std::vector<Label> labels;
  for (auto at = svg.find("<text x=\""); at != std::string::npos; at = svg.find("<text x=\"", at + 1)) {
    const std::string tag = svg.substr(at, svg.find("</text>", at) - at);
    // Lane names have no colour; the squeezed gaps' labels are grey.
    if (tag.find("fill=\"#") == std::string::npos || tag.find("fill=\"#999\"") != std::string::npos) continue;
    Label label{};
    label.x = std::stod(tag.substr(tag.find("x=\"") + 3));
    label.y = std::stod(tag.substr(tag.find("y=\"") + 3));
    label.width = static_cast<double>(tag.size() - tag.find('>') - 1) * 6.6;
    labels.push_back(label);
  }
  return labels;
}

TEST(TimelineTest, LabelsOfMarksCloseInTimeOnOneLaneNeitherOverlapNorLeaveThePicture) {
  Timeline timeline;
  const core::TimePoint start{};
  timeline.addTopic("chat");
  timeline.addConnection(1, "alice #1", "chat", start);
  timeline.addConnection(2, "bob #2", "chat", start);
  timeline.accepted("chat", 1, start);
  timeline.delivered(1, 1, start + std::chrono::seconds(1));
  for (std::uint64_t id : {1, 2}) {
    const core::TimePoint at = start + std::chrono::seconds(2) + std::chrono::microseconds(id * 10);
    timeline.mark(id, at, "close", "closing 1001 server shutting down");
    timeline.mark(id, at + std::chrono::microseconds(5), "close", "1001");
    timeline.mark(id, at + std::chrono::microseconds(7), "leave", "1000 (link cut)");
  }
  std::ostringstream svg;
  timeline.writeSvg(svg);
  const std::vector<Label> labels = markLabels(svg.str());
  ASSERT_EQ(labels.size(), 6u) << svg.str();
  // Marks at the end of the run still have their labels inside the picture.
  const std::string text = svg.str();
  const double width = std::stod(text.substr(text.find("width=\"") + 7));
  for (const Label& label : labels) EXPECT_LE(label.x + label.width, width) << text;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (std::size_t j = i + 1; j < labels.size(); ++j) {
      const Label& a = labels[i];
      const Label& b = labels[j];
      const bool apart = a.x + a.width <= b.x || b.x + b.width <= a.x || std::abs(a.y - b.y) >= 11;
      EXPECT_TRUE(apart) << "labels " << i << " and " << j << " overlap:\n" << svg.str();
    }
  }
}

}  // namespace
}  // namespace spread::sim
