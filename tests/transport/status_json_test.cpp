// Proves /status.json reports exactly the counters, gauges, topics and latency histogram the
// transports recorded: known values go in through Metrics and real sessions on the broker, and the
// rendered document is parsed back as JSON and compared field by field.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "session_fixture.h"
#include "spread/transport/status_json.h"

namespace spread::transport {
namespace {

using StatusJsonTest = SessionFixture;
using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parse(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Object::Ptr>();
}

std::uint64_t number(const Object::Ptr& object, const std::string& key) {
  EXPECT_TRUE(object->has(key)) << "no member " << key;
  return object->getValue<std::uint64_t>(key);
}

TEST_F(StatusJsonTest, ReportsTheCountersAndTheClockTheyWereReadAt) {
  clock_.advanceBy(std::chrono::milliseconds(12345));
  metrics_.connectionOpened();
  metrics_.connectionOpened();
  metrics_.connectionOpened();
  metrics_.connectionClosed();
  metrics_.clientConnected();
  metrics_.slowConsumerDropped();
  metrics_.rejected(Rejection::kBusy);
  metrics_.rejected(Rejection::kBusy);
  metrics_.rejected(Rejection::kPrivateEndpoint);
  for (int i = 0; i < 3; ++i) metrics_.published();
  executor_.refuseNewTasks();
  EXPECT_FALSE(executor_.post([] {}));

  const Object::Ptr status = parse(renderStatusJson(metrics_, broker_, executor_, clock_.now()));
  EXPECT_EQ(number(status, "clockMs"), 12345u);
  const Object::Ptr connections = status->getObject("connections");
  EXPECT_EQ(number(connections, "websocket"), 2u);
  EXPECT_EQ(number(connections, "websocketOpened"), 3u);
  EXPECT_EQ(number(connections, "clients"), 1u);
  EXPECT_EQ(number(status->getObject("messages"), "published"), 3u);
  EXPECT_EQ(number(status->getObject("messages"), "delivered"), 0u);
  EXPECT_EQ(number(status->getObject("drops"), "slow_consumer"), 1u);
  EXPECT_EQ(number(status->getObject("drops"), "executor_refused_task"), 1u);

  // Every reason /metrics counts, under the same label, and no other.
  const Object::Ptr refusals = status->getObject("refusals");
  EXPECT_EQ(refusals->size(), static_cast<std::size_t>(Rejection::kCount));
  for (std::size_t i = 0; i < static_cast<std::size_t>(Rejection::kCount); ++i) {
    const auto why = static_cast<Rejection>(i);
    EXPECT_EQ(number(refusals, std::string(toString(why))), metrics_.rejectedCount(why)) << toString(why);
  }
  EXPECT_EQ(number(refusals, "busy"), 2u);
  EXPECT_EQ(number(refusals, "private_endpoint"), 1u);
}

TEST_F(StatusJsonTest, ListsTheBusiestTopicsFirstUpToTheLimitAndCountsThemAll) {
  FakeWire a, b, c;
  auto first = open(a, "news");
  auto second = open(b, "chat");
  auto third = open(c, "chat");

  const Object::Ptr all = parse(renderStatusJson(metrics_, broker_, executor_, clock_.now()))->getObject("topics");
  EXPECT_EQ(number(all, "count"), 2u);
  const Array::Ptr busiest = all->getArray("busiest");
  ASSERT_EQ(busiest->size(), 2u);
  EXPECT_EQ(busiest->getObject(0)->getValue<std::string>("topic"), "chat");
  EXPECT_EQ(number(busiest->getObject(0), "subscribers"), 2u);
  EXPECT_EQ(busiest->getObject(1)->getValue<std::string>("topic"), "news");
  EXPECT_EQ(number(busiest->getObject(1), "subscribers"), 1u);

  const Object::Ptr one = parse(renderStatusJson(metrics_, broker_, executor_, clock_.now(), 1))->getObject("topics");
  EXPECT_EQ(number(one, "count"), 2u);
  ASSERT_EQ(one->getArray("busiest")->size(), 1u);
  EXPECT_EQ(one->getArray("busiest")->getObject(0)->getValue<std::string>("topic"), "chat");
}

TEST_F(StatusJsonTest, TheLatencyHistogramHasTheMetricsBoundsAndCumulativeCounts) {
  metrics_.delivered(std::chrono::microseconds(40));    // le=5e-05
  metrics_.delivered(std::chrono::microseconds(700));   // le=0.001
  metrics_.delivered(std::chrono::microseconds(900));   // le=0.001
  metrics_.delivered(std::chrono::seconds(2));          // only +Inf

  const Object::Ptr latency = parse(renderStatusJson(metrics_, broker_, executor_, clock_.now()))->getObject("latency");
  const Array::Ptr bounds = latency->getArray("boundsSeconds");
  const Array::Ptr cumulative = latency->getArray("cumulative");
  ASSERT_EQ(bounds->size(), Metrics::kLatencyBucketsUs.size());
  ASSERT_EQ(cumulative->size(), Metrics::kLatencyBucketsUs.size() + 1);
  EXPECT_DOUBLE_EQ(bounds->getElement<double>(0), 50e-6);
  EXPECT_DOUBLE_EQ(bounds->getElement<double>(4), 0.001);
  EXPECT_DOUBLE_EQ(bounds->getElement<double>(11), 0.25);
  const std::vector<std::uint64_t> expected{1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 4};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(cumulative->getElement<std::uint64_t>(i), expected[i]) << "bucket " << i;
  }
  EXPECT_EQ(number(latency, "count"), 4u);
  EXPECT_DOUBLE_EQ(latency->getValue<double>("sumSeconds"), 2.00164);
  EXPECT_EQ(number(parse(renderStatusJson(metrics_, broker_, executor_, clock_.now()))->getObject("messages"),
                   "delivered"),
            4u);
}

}  // namespace
}  // namespace spread::transport
