// Proves the timeline draws what happened: one lane per connection, one arrow per message
// read, and a red drop mark on the evicted reader's lane; the HTML form wraps the same SVG.
#include <sstream>

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

}  // namespace
}  // namespace spread::sim
