// Proves spreadd's life with a working transport: it reports each transport and its
// readiness, stops gracefully on SIGINT and SIGTERM, keeps to its grace period when a
// transport never finishes stopping, and runs exactly the threads it was configured with.
// Runs the real binary with the fake transports; waits poll with deadlines; log lines show what it waited for.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SpreaddLifecycleTest : public SpreaddTest {};

// Under ThreadSanitizer (the test and spreadd are built alike) the process may also run
// the sanitizer's own background thread, started whenever the runtime decides.
#if defined(__SANITIZE_THREAD__)
constexpr std::size_t kSanitizerThreadsMax = 1;
#else
constexpr std::size_t kSanitizerThreadsMax = 0;
#endif

MATCHER_P(IsThreadCount, expected, "is " + std::to_string(expected) + " plus the sanitizer's own, if any") {
  return arg >= expected && arg <= expected + kSanitizerThreadsMax;
}

std::size_t threadCount(pid_t pid) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    ++count;
  }
  return count;
}

TEST_F(SpreaddLifecycleTest, PrintsEachTransportThenReady) {
  auto process = spawn({"--config", fakeConfig({"transport.fake.endpoint = fake://here"})});
  auto listening = process->waitForLine("spreadd: listening", kStartTimeout);
  ASSERT_TRUE(listening) << process->errors();
  EXPECT_EQ(*listening, "spreadd: listening fake fake://here");
  EXPECT_TRUE(process->waitForLine("spreadd: ready", kStartTimeout)) << process->errors();
}

TEST_F(SpreaddLifecycleTest, PrintsTransportsInTheirConfiguredOrder) {
  auto process = spawn({"--config", fakeConfig({"spread.transports = fake2, fake"})});
  auto first = process->waitForLine("spreadd: listening", kStartTimeout);
  auto second = process->waitForLine("spreadd: listening", kStartTimeout);
  ASSERT_TRUE(first && second) << process->errors();
  EXPECT_EQ(*first, "spreadd: listening fake2 fake://");
  EXPECT_EQ(*second, "spreadd: listening fake fake://");
  EXPECT_TRUE(process->waitForLine("spreadd: ready", kStartTimeout)) << process->errors();
}

TEST_F(SpreaddLifecycleTest, StopsGracefullyOnSigint) {
  auto process = startReady(fakeConfig());
  ASSERT_TRUE(process->signal(SIGINT));
  auto status = process->waitForExit(kExitTimeout);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exitedWith(0)) << *status << "\n" << process->errors();
  EXPECT_THAT(process->output(), HasSubstr("spreadd: stopped\n"));
}

TEST_F(SpreaddLifecycleTest, StopsGracefullyOnSigterm) {
  auto process = startReady(fakeConfig());
  ASSERT_TRUE(process->signal(SIGTERM));
  auto status = process->waitForExit(kExitTimeout);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exitedWith(0)) << *status << "\n" << process->errors();
  EXPECT_THAT(process->output(), HasSubstr("spreadd: stopped\n"));
  EXPECT_THAT(process->errors(), Not(HasSubstr("did not stop")));
}

TEST_F(SpreaddLifecycleTest, WaitsForATransportThatStopsWithinTheGracePeriod) {
  auto process = startReady(fakeConfig({"transport.fake.stopDelayMs = 300"}));
  ASSERT_TRUE(process->signal(SIGTERM));
  auto status = process->waitForExit(kExitTimeout);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exitedWith(0)) << *status << "\n" << process->errors();
  // The transport logs this from a timer on spreadd's executor, which a spreadd that did
  // not wait would have dropped (or exited before) instead of running.
  EXPECT_THAT(process->errors(), HasSubstr("fake transport stopped"));
  EXPECT_THAT(process->errors(), Not(HasSubstr("did not stop")));
}

TEST_F(SpreaddLifecycleTest, ExitsWithinTheGracePeriodWhenATransportNeverStops) {
  // fake never reports; fake2 reports half a second into the two-second grace period, so
  // its line shows that spreadd went on waiting rather than giving up on fake at once.
  auto process = startReady(fakeConfig({"spread.transports = fake, fake2", "transport.fake.stopDelayMs = -1",
                                        "transport.fake2.stopDelayMs = 500"}));
  ASSERT_TRUE(process->signal(SIGTERM));
  // Without the grace period spreadd would wait for fake forever: this bounds that hang.
  auto status = process->waitForExit(kExitTimeout);
  ASSERT_TRUE(status) << "still running " << kExitTimeout.count() << " s after SIGTERM";
  EXPECT_TRUE(status->exitedWith(0)) << *status << "\n" << process->errors();
  EXPECT_THAT(process->errors(), HasSubstr("fake transport will never finish stopping"));
  EXPECT_THAT(process->errors(), HasSubstr("fake2 transport stopped"));
  EXPECT_THAT(process->errors(), HasSubstr("transport(s) fake did not stop within spread.shutdownGraceMs"));
  EXPECT_THAT(process->output(), HasSubstr("spreadd: stopped\n"));
}

TEST_F(SpreaddLifecycleTest, RunsTheConfiguredExecutorThreadsAndNoOthers) {
  // The fake transport starts no thread, so spreadd has its main thread plus the executor's.
  for (int executorThreads : {1, 3}) {
    SCOPED_TRACE(executorThreads);
    auto process = startReady(fakeConfig({"spread.executorThreads = " + std::to_string(executorThreads)}));
    EXPECT_THAT(threadCount(process->pid()), IsThreadCount(static_cast<std::size_t>(1 + executorThreads)));
    ASSERT_TRUE(process->signal(SIGTERM));
    auto status = process->waitForExit(kExitTimeout);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->exitedWith(0)) << *status;
  }
}

// The signals blocked by one thread of `pid`, from the SigBlk line of its status file.
std::uint64_t blockedSignals(pid_t pid, const std::string& thread) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/task/" + thread + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("SigBlk:")) return std::stoull(line.substr(7), nullptr, 16);
  }
  ADD_FAILURE() << "no SigBlk line for thread " << thread;
  return 0;
}

TEST_F(SpreaddLifecycleTest, EveryOtherThreadBlocksTheTerminationSignals) {
  // Only the main thread's sigwait() may take them; a thread started before they were
  // blocked would let the default action kill the process instead. The main thread itself
  // is left out: while it waits in sigwait() the kernel shows the awaited signals as
  // unblocked.
  auto process = startReady(fakeConfig({"spread.executorThreads = 2"}));
  const std::uint64_t termination = (1ull << (SIGINT - 1)) | (1ull << (SIGTERM - 1)) | (1ull << (SIGQUIT - 1));
  std::size_t others = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(process->pid()) + "/task")) {
    const std::string thread = entry.path().filename().string();
    if (thread == std::to_string(process->pid())) continue;
    EXPECT_EQ(blockedSignals(process->pid(), thread) & termination, termination) << "thread " << thread;
    ++others;
  }
  EXPECT_THAT(others, IsThreadCount(2u));
}

TEST_F(SpreaddLifecycleTest, FindsPluginsNextToTheProgramByDefault) {
  // spreadd is in <build>/bin and the fake plugin in <build>/lib/spread, as installed.
  auto process = spawn({"--config", writeFile("default-dir.properties", "spread.transports = fake\n")});
  EXPECT_TRUE(process->waitForLine("spreadd: ready", kStartTimeout)) << process->errors();
}

TEST_F(SpreaddLifecycleTest, ReadsEtcServerPropertiesFromTheWorkingDirectoryWithoutConfigOption) {
  std::filesystem::create_directory(directory_ / "etc");
  writeFile("etc/server.properties", "spread.transports = fake\ntransport.fake.endpoint = fake://from-etc\n");
  auto process = spawn({});
  auto listening = process->waitForLine("spreadd: listening", kStartTimeout);
  ASSERT_TRUE(listening) << process->errors();
  EXPECT_EQ(*listening, "spreadd: listening fake fake://from-etc");
}

TEST_F(SpreaddLifecycleTest, HelpListsEveryOption) {
  std::string output;
  EXPECT_TRUE(runToExit({"--help"}, nullptr, &output).exitedWith(0));
  for (const char* option : {"--config", "--check-config", "--daemon", "--pidfile", "--help", "--version"}) {
    EXPECT_THAT(output, HasSubstr(option));
  }
}

TEST_F(SpreaddLifecycleTest, CheckConfigValidatesWithoutServing) {
  std::string output;
  EXPECT_TRUE(runToExit({"--check-config", "--config", fakeConfig()}, nullptr, &output).exitedWith(0));
  EXPECT_THAT(output, HasSubstr("configuration OK"));
  EXPECT_THAT(output, Not(HasSubstr("ready")));
}

TEST_F(SpreaddLifecycleTest, WithoutAnyConfigFileChecksTheBuiltInDefaults) {
  // The temporary directory has no etc/, so this checks the compiled-in configuration,
  // which loads the websocket plugin from next to the program (when the build has it).
  const std::string websocket = std::string(SPREAD_PLUGIN_DIR) + "/libspread_transport_websocket.so";
  std::string output;
  std::string errors;
  const ExitStatus status = runToExit({"--check-config"}, &errors, &output);
  if (std::filesystem::exists(websocket)) {
    EXPECT_TRUE(status.exitedWith(0)) << status << errors;
    EXPECT_THAT(output, HasSubstr("configuration OK (built-in defaults"));
  } else {
    EXPECT_TRUE(status.exitedWith(78)) << status;
    EXPECT_THAT(errors, HasSubstr(websocket + ": no such file"));
  }
}

}  // namespace
}  // namespace spread::testing
