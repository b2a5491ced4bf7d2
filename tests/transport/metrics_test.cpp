// Proves /metrics renders every counter in Prometheus text format with the values the
// transports recorded, including per-topic subscribers and a cumulative latency histogram.
#include "session_fixture.h"
#include "spread/transport/close_code.h"

namespace spread::transport {
namespace {

using ::testing::HasSubstr;

using MetricsTest = SessionFixture;

TEST_F(MetricsTest, RendersCountersGaugesAndSubscribersPerTopic) {
  FakeWire a, b;
  auto first = open(a, "chat");
  auto second = open(b, "news");
  metrics_.connectionOpened();
  metrics_.connectionOpened();
  metrics_.connectionClosed();
  metrics_.rejected(Rejection::kNotFound);
  publish("ann", "hi");

  const std::string text = metrics_.renderPrometheus(broker_, executor_);
  EXPECT_THAT(text, HasSubstr("# TYPE spread_connections gauge\nspread_connections 1\n"));
  EXPECT_THAT(text, HasSubstr("spread_connections_total 2\n"));
  EXPECT_THAT(text, HasSubstr("spread_subscribers{topic=\"chat\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("spread_subscribers{topic=\"news\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("spread_messages_published_total 1\n"));
  EXPECT_THAT(text, HasSubstr("spread_rejected_total{reason=\"not_found\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("spread_rejected_total{reason=\"busy\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE spread_executor_refused_tasks_total counter\nspread_executor_refused_tasks_total 0\n"));
}

TEST_F(MetricsTest, CountsTheTasksTheExecutorRefused) {
  executor_.refuseNewTasks();
  EXPECT_FALSE(executor_.post([] {}));
  EXPECT_EQ(executor_.postAfter(std::chrono::seconds(1), [] {}), core::TimerId::kNone);
  EXPECT_THAT(metrics_.renderPrometheus(broker_, executor_), HasSubstr("spread_executor_refused_tasks_total 2\n"));
}

TEST_F(MetricsTest, LatencyHistogramIsCumulative) {
  metrics_.delivered(std::chrono::microseconds(40));    // first bucket
  metrics_.delivered(std::chrono::microseconds(700));   // le=0.001
  metrics_.delivered(std::chrono::seconds(2));          // only +Inf
  const std::string text = metrics_.renderPrometheus(broker_, executor_);
  EXPECT_THAT(text, HasSubstr("spread_publish_to_write_seconds_bucket{le=\"5e-05\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("spread_publish_to_write_seconds_bucket{le=\"0.0005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("spread_publish_to_write_seconds_bucket{le=\"0.001\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("spread_publish_to_write_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("spread_publish_to_write_seconds_count 3\n"));
  EXPECT_EQ(metrics_.deliveredCount(), 3u);
}

TEST(CloseCodeTest, EachCoreReasonHasItsWebSocketClose) {
  EXPECT_EQ(closeFrameFor(core::CloseReason::kSlowConsumer).code, CloseCode::kPolicyViolation);
  EXPECT_EQ(closeFrameFor(core::CloseReason::kSlowConsumer).reason, "too slow to keep up");
  EXPECT_EQ(closeFrameFor(core::CloseReason::kGoingAway).code, CloseCode::kGoingAway);
  EXPECT_EQ(closeFrameFor(core::CloseReason::kUnsubscribed).code, CloseCode::kNormal);
  EXPECT_EQ(closeFrameFor(core::CloseReason::kHandlerFailed).code, CloseCode::kInternalError);
}

}  // namespace
}  // namespace spread::transport
