// Proves the Strand on a ManualExecutor: a connection's events run in order, one executor task
// at a time, each counted in flight until it has run; and when the executor refuses the task
// (it has stopped), the queued events are dropped at once, their captures released and the
// in-flight count back to zero, so a transport's stop never waits for work nobody will do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "strand.h"

namespace spread::plugins::websocket {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class StrandTest : public ::testing::Test {
 protected:
  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  InFlightCounter inFlight_;
  std::shared_ptr<Strand> strand_ = std::make_shared<Strand>(executor_, inFlight_);
  std::vector<std::string> ran_;
};

TEST_F(StrandTest, RunsEventsInOrderOnOneTaskCountedUntilItRan) {
  for (const char* name : {"start", "text", "writable"}) strand_->post([this, name] { ran_.push_back(name); });
  EXPECT_EQ(executor_.pending(), 1u);
  EXPECT_EQ(inFlight_.count(), 1u);
  executor_.runUntilIdle();
  EXPECT_THAT(ran_, ElementsAre("start", "text", "writable"));
  EXPECT_EQ(inFlight_.count(), 0u);
}

TEST_F(StrandTest, ARefusedTaskDropsTheQueuedEventsAndLeavesNothingInFlight) {
  executor_.refuseNewTasks();
  auto session = std::make_shared<int>(0);
  strand_->post([this, session] { ran_.push_back("start"); });
  EXPECT_EQ(session.use_count(), 1) << "the dropped event let go of what it held";
  EXPECT_EQ(inFlight_.count(), 0u);
  strand_->post([this] { ran_.push_back("text"); });  // not stuck behind a task that never runs
  EXPECT_EQ(executor_.refusedTasks(), 2u);
  executor_.runUntilIdle();
  EXPECT_THAT(ran_, IsEmpty());
}

}  // namespace
}  // namespace spread::plugins::websocket
