// Proves that several server pids read as one server: sampleProcesses adds up each process's
// reading (here the test's own process, read twice), and refuses to report a sum when any
// process cannot be read, so a figure never covers fewer nodes than were named.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_stats.h"

namespace spread::bench {
namespace {

TEST(ProcStatsTest, SumsEveryProcess) {
  const std::optional<ProcessSample> one = sampleProcess(getpid());
  const std::optional<ProcessSample> two = sampleProcesses({getpid(), getpid()});
  ASSERT_TRUE(one && two);
  EXPECT_EQ(two->threads, 2 * one->threads);
  EXPECT_GE(two->cpuSeconds, 2 * one->cpuSeconds);
  EXPECT_GT(two->rssBytes, one->rssBytes);
}

TEST(ProcStatsTest, NoSumWhenOneIsGone) {
  // A child that has exited and been reaped leaves a pid nothing answers to.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  EXPECT_FALSE(sampleProcesses({getpid(), child}).has_value());
  EXPECT_FALSE(sampleProcesses({}).has_value());
}

}  // namespace
}  // namespace spread::bench
