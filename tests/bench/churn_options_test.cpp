// Proves `spread-bench churn` reads its command line as documented: defaults that need
// only --url and --server-pid, every option parsed, and each bad argument refused with a
// message naming it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "churn_options.h"

namespace spread::bench {
namespace {

std::variant<ChurnOptions, std::string> parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return parseChurnOptions(static_cast<int>(argv.size()), argv.data());
}

std::string errorOf(std::vector<std::string> args) {
  auto parsed = parse(std::move(args));
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

TEST(ChurnOptionsTest, NeedsOnlyTheServer) {
  auto parsed = parse({"--url", "http://127.0.0.1:9/", "--server-pid", "123"});
  ASSERT_TRUE(std::holds_alternative<ChurnOptions>(parsed)) << std::get<std::string>(parsed);
  const auto& options = std::get<ChurnOptions>(parsed);
  EXPECT_EQ(options.serverPid, 123);
  EXPECT_EQ(options.clients, 2000u);
  EXPECT_EQ(options.mix, (std::array<std::uint32_t, kLifeKinds>{50, 12, 6, 20, 12}));
}

TEST(ChurnOptionsTest, ParsesEveryOption) {
  auto parsed = parse({"--url=http://h:1/", "--server-pid=5", "--clients", "300", "--duration", "30", "--warmup", "2",
                       "--publishers", "6", "--topics", "3", "--rate", "500", "--seed", "99", "--mix",
                       "good=4,halfopen=1", "--life-min", "0.1", "--life-max", "2", "--flood-rate", "0",
                       "--fd-slack", "10,16", "--thread-slack", "0,1", "--rss-slack", "7.5", "--quiet"});
  ASSERT_TRUE(std::holds_alternative<ChurnOptions>(parsed)) << std::get<std::string>(parsed);
  const auto& options = std::get<ChurnOptions>(parsed);
  EXPECT_EQ(options.clients, 300u);
  EXPECT_EQ(options.durationS, 30);
  EXPECT_EQ(options.publishers, 6u);
  EXPECT_EQ(options.topics, 3u);
  EXPECT_EQ(options.seed, 99u);
  EXPECT_EQ(options.mix, (std::array<std::uint32_t, kLifeKinds>{4, 0, 0, 0, 1}));
  EXPECT_EQ(options.floodRate, 0);
  EXPECT_EQ(options.fdSlackPercent, 10);
  EXPECT_EQ(options.fdSlack, 16u);
  EXPECT_EQ(options.threadSlack, 1u);
  EXPECT_EQ(options.rssSlackPercent, 7.5);
  EXPECT_TRUE(options.quiet);
}

TEST(ChurnOptionsTest, RefusesBadArgumentsByName) {
  const std::vector<std::string> server = {"--url", "http://h:1/", "--server-pid", "5"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = server;
    args.insert(args.end(), extra.begin(), extra.end());
    return errorOf(args);
  };
  EXPECT_NE(errorOf({"--url", "http://h:1/"}).find("--server-pid is required"), std::string::npos);
  EXPECT_NE(errorOf({"--server-pid", "5"}).find("--url is required"), std::string::npos);
  EXPECT_NE(with({"--clients", "0"}).find("'0' for option --clients"), std::string::npos);
  EXPECT_NE(with({"--mix", "good=1,sleeper=2"}).find("unknown kind 'sleeper'"), std::string::npos);
  EXPECT_NE(with({"--mix", "good"}).find("'good' is not KIND=WEIGHT"), std::string::npos);
  EXPECT_NE(with({"--mix", "good=0"}).find("every weight is 0"), std::string::npos);
  EXPECT_NE(with({"--topics", "9"}).find("--publishers (8) must be at least --topics (9)"), std::string::npos);
  EXPECT_NE(with({"--life-min", "3", "--life-max", "1"}).find("--life-max"), std::string::npos);
  EXPECT_NE(with({"--stall-min", "3", "--stall-max", "1"}).find("--stall-max"), std::string::npos);
  EXPECT_NE(with({"--fd-slack", "5"}).find("--fd-slack"), std::string::npos);
  EXPECT_NE(with({"--bogus"}).find("unknown option '--bogus'"), std::string::npos);
  EXPECT_NE(with({"--rate", "0"}).find("--rate"), std::string::npos);
}

}  // namespace
}  // namespace spread::bench
