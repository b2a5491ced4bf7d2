// Proves that spreadd refuses a command line it cannot parse with exit 64, saying what is
// wrong, before it reads any configuration: an unknown option, an option without its
// argument, an option given twice, a stray argument. Runs the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kExitUsage = 64;

class SpreaddUsageErrorTest : public SpreaddTest {
 protected:
  void expectUsageError(const std::vector<std::string>& args, const std::string& expected) {
    std::string errors;
    std::string output;
    const ExitStatus status = runToExit(args, &errors, &output);
    EXPECT_TRUE(status.exitedWith(kExitUsage)) << status << "\n" << errors;
    EXPECT_THAT(errors, HasSubstr("spreadd: error: " + expected)) << errors;
    EXPECT_THAT(errors, HasSubstr("(see --help)")) << errors;
    EXPECT_THAT(output, Not(HasSubstr("ready")));
  }
};

TEST_F(SpreaddUsageErrorTest, UnknownOption) {
  expectUsageError({"--config", fakeConfig(), "--colour"}, "Unknown option specified: colour");
}

TEST_F(SpreaddUsageErrorTest, OptionWithoutItsArgument) {
  expectUsageError({"--config"}, "Missing option argument: config requires FILE");
}

TEST_F(SpreaddUsageErrorTest, OptionGivenTwice) {
  expectUsageError({"--check-config", "--check-config", "--config", fakeConfig()},
                   "Option must not be given more than once: check-config");
}

TEST_F(SpreaddUsageErrorTest, StrayArgument) {
  expectUsageError({"--config", fakeConfig(), "extra"}, "unexpected argument 'extra'");
}

TEST_F(SpreaddUsageErrorTest, CommandLineIsJudgedBeforeTheConfiguration) {
  // A configuration that would exit 78 is never read.
  expectUsageError({"--config", fakeConfig({"broker.topicMax = 10"}), "--colour"}, "Unknown option specified: colour");
}

}  // namespace
}  // namespace spread::testing
