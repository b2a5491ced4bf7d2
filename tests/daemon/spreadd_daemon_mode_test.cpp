// Proves --daemon: the launching process returns once the detached server is ready, having
// printed its readiness, and the server has written its own pid, logs to logging.file, stops
// on SIGTERM with exit 0 and removes the pid file. A configuration error or a transport that
// cannot start makes the launcher exit with the same status and message as without
// --daemon. The test becomes a child subreaper, so it can reap the detached server.
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
using ::testing::Not;

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
  EXPECT_THAT(launcher->output(), HasSubstr("spreadd: listening fake fake://\nspreadd: ready\n"))
      << "the launcher returns once the server is ready";

  // Written before the server said it was ready, so no waiting here.
  auto pidText = waitForFile(
      pidFile, [](const std::string& text) { return text.ends_with("\n"); }, std::chrono::seconds(0));
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

TEST_F(SpreaddDaemonModeTest, ABadValueMakesTheLauncherExit78WithTheSameMessageAsWithoutDaemon) {
  const std::string config = fakeConfig({"spread.executorThreads = many"});
  std::string plainErrors;
  const ExitStatus plain = runToExit({"--config", config}, &plainErrors);
  ASSERT_TRUE(plain.exitedWith(78)) << plain << plainErrors;
  ASSERT_THAT(plainErrors, HasSubstr("spread.executorThreads"));
  std::string daemonErrors;
  std::string daemonOutput;
  const ExitStatus daemon = runToExit({"--daemon", "--config", config}, &daemonErrors, &daemonOutput);
  EXPECT_TRUE(daemon.exitedWith(78)) << daemon << daemonErrors;
  EXPECT_EQ(daemonErrors, plainErrors);
  EXPECT_THAT(daemonOutput, Not(HasSubstr("ready")));
}

TEST_F(SpreaddDaemonModeTest, ATransportThatCannotStartMakesTheLauncherExit69WithItsMessage) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);  // should the server outlive the launcher
  const std::string pidFile = (directory_ / "spreadd.pid").string();
  const std::string config = fakeConfig({"transport.fake.failStart = true"});
  std::string errors;
  std::string output;
  const ExitStatus status = runToExit({"--daemon", "--pidfile", pidFile, "--config", config}, &errors, &output);
  EXPECT_TRUE(status.exitedWith(69)) << status << errors;
  EXPECT_THAT(errors, HasSubstr("spreadd: error: " + config + ":4: transport.fake.failStart: failStart is set"));
  EXPECT_THAT(output, Not(HasSubstr("ready")));
  EXPECT_FALSE(std::filesystem::exists(pidFile)) << "the server that never served removed its pid file";
}

}  // namespace
}  // namespace spread::testing
