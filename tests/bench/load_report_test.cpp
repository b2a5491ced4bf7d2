// Proves spread-bench's JSON line carries a two-node run's figures: every server pid with the
// first one still under server_pid, and the Redis process's CPU in redis_* keys of its own,
// present only when a Redis pid was read.
#include <gtest/gtest.h>

#include "report.h"

namespace spread::bench {
namespace {

RunResult twoNodes() {
  RunResult result;
  result.mode = "load";
  result.serverPids = {101, 202};
  result.serverBefore = ProcessSample{1.0, 0, 0, 8};
  result.serverAfter = ProcessSample{3.0, 1 << 20, 1 << 20, 8};
  result.serverCpuSeconds = 2.0;
  return result;
}

TEST(LoadReportTest, ListsEveryServerPid) {
  const std::string json = toJsonLine(twoNodes());
  EXPECT_NE(json.find("\"server_pid\":101,\"server_pids\":[101,202]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"server_cpu_s\":2"), std::string::npos) << json;
  EXPECT_EQ(json.find("redis_"), std::string::npos) << json;
  EXPECT_NE(toSummary(twoNodes()).find("pid 101+202: cpu 2.00 s"), std::string::npos);
}

TEST(LoadReportTest, ReportsRedisApart) {
  RunResult result = twoNodes();
  result.redisPid = 303;
  result.redisBefore = ProcessSample{0.5, 0, 0, 4};
  result.redisAfter = ProcessSample{1.0, 2 << 20, 2 << 20, 4};
  result.redisCpuSeconds = 0.5;
  result.redisCpuUsPerPublish = 25;
  const std::string json = toJsonLine(result);
  EXPECT_NE(json.find("\"redis_pid\":303,\"redis_cpu_s\":0.5"), std::string::npos) << json;
  EXPECT_NE(json.find("\"redis_cpu_us_per_publish\":25"), std::string::npos) << json;
  EXPECT_NE(toSummary(result).find("redis     pid 303: cpu 0.50 s"), std::string::npos) << toSummary(result);
}

}  // namespace
}  // namespace spread::bench
