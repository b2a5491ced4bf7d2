// Proves --daemon with --pidfile: the launching process returns at once, the detached
// server writes its pid, logs to logging.file, stops on SIGTERM with exit 0, and removes
// the pid file. The test becomes a child subreaper, so it can reap the detached server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <filesystem>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::HasSubstr;

class SpreaddDaemonModeTest : public SpreaddTest {};

bool hasLine(const std::string& text, const std::string& ending) {
  return text.find(ending + "\n") != std::string::npos;
}

TEST_F(SpreaddDaemonModeTest, WritesAndRemovesThePidFileAndStopsOnSigterm) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  const std::string pidFile = (directory_ / "spreadd.pid").string();
  const std::string logFile = (directory_ / "spreadd.log").string();
  // Relative paths on purpose: the daemon moves to "/" and must still find both.
  const std::string config = fakeConfig({"logging.file = spreadd.log", "logging.pattern = %t"});
  auto launcher = spawn({"--daemon", "--pidfile", "spreadd.pid", "--config", "server.properties"});
  auto launched = launcher->waitForExit(kExitTimeout);
  ASSERT_TRUE(launched);
  ASSERT_TRUE(launched->exitedWith(0)) << *launched << launcher->errors();

  auto pidText = waitForFile(
      pidFile, [](const std::string& text) { return text.ends_with("\n"); }, kStartTimeout);
  ASSERT_TRUE(pidText) << "no pid file";
  const pid_t pid = std::stoi(*pidText);
  EXPECT_NE(pid, launcher->pid());
  auto log = waitForFile(
      logFile, [](const std::string& text) { return hasLine(text, "ready"); }, kStartTimeout);
  ASSERT_TRUE(log) << "the daemon did not log its readiness";
  EXPECT_THAT(*log, HasSubstr("listening fake fake://\n"));
  ASSERT_EQ(::kill(pid, 0), 0) << "the daemon is not running";

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  ASSERT_TRUE(waitForProcessEnd(pid, kExitTimeout)) << "the daemon did not stop";
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, WNOHANG), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  EXPECT_FALSE(std::filesystem::exists(pidFile));
  EXPECT_TRUE(waitForFile(
      logFile, [](const std::string& text) { return hasLine(text, "stopped"); }, std::chrono::seconds(0)));
}

}  // namespace
}  // namespace spread::testing
