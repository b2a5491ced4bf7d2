// Proves `spreadd --version` prints the project version and the commit spreadd was built
// from: the test asks git for the source tree's HEAD itself, so a wrong or stale hash fails
// (a build outside a git checkout must say "unknown"). Runs the real binary to its exit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::HasSubstr;

class SpreaddVersionTest : public SpreaddTest {
 protected:
  // HEAD's short hash, as `git rev-parse --short HEAD` in the source tree gives it;
  // nullopt without git or a checkout.
  std::optional<std::string> sourceCommit() {
    const std::string git = SPREAD_GIT_PROGRAM;
    if (git.empty()) return std::nullopt;
    auto process = DaemonProcess::start(git, {"-C", SPREAD_SOURCE_DIR, "rev-parse", "--short", "HEAD"});
    const auto status = process->waitForExit(kExitTimeout);
    if (!status || !status->exitedWith(0)) return std::nullopt;
    std::string hash = process->output();
    while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
    if (hash.empty()) return std::nullopt;
    return hash;
  }
};

TEST_F(SpreaddVersionTest, PrintsTheProjectVersionAndTheCommitItWasBuiltFrom) {
  std::string output;
  std::string errors;
  const ExitStatus status = runToExit({"--version"}, &errors, &output);
  EXPECT_TRUE(status.exitedWith(0)) << status << errors;
  const std::string prefix = "spreadd " SPREAD_PROJECT_VERSION " (";
  const std::optional<std::string> commit = sourceCommit();
  if (!commit) {
    EXPECT_EQ(output, prefix + "unknown)\n");
    return;
  }
  // Whether the tree is dirty now may differ from when spreadd was built; the hash may not.
  EXPECT_THAT(output, AnyOf(Eq(prefix + *commit + ")\n"), Eq(prefix + *commit + "-dirty)\n")));
}

TEST_F(SpreaddVersionTest, WinsOverTheRestOfTheCommandLineAndStartsNothing) {
  // --version, like --help, ends option processing: a configuration that could not be
  // served is not read.
  std::string output;
  std::string errors;
  const ExitStatus status = runToExit({"--version", "--config", "/nonexistent/server.properties"}, &errors, &output);
  EXPECT_TRUE(status.exitedWith(0)) << status << errors;
  EXPECT_THAT(output, HasSubstr("spreadd " SPREAD_PROJECT_VERSION " ("));
  EXPECT_EQ(errors, "");
}

}  // namespace
}  // namespace spread::testing
