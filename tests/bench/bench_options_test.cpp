// Proves spread-bench's load command line reads the options a two-node run needs: publishers
// on another node (--publish-url), several server pids summed, Redis apart (--redis-pid), and
// that each bad use of them is refused with a message naming the option.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "options.h"

namespace spread::bench {
namespace {

std::variant<BenchOptions, std::string> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "spread-bench");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return parseOptions(static_cast<int>(argv.size()), argv.data());
}

std::string errorOf(std::vector<std::string> args) {
  auto parsed = parse(std::move(args));
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

TEST(BenchOptionsTest, OneNodeByDefault) {
  auto parsed = parse({"--url", "http://127.0.0.1:9/"});
  ASSERT_TRUE(std::holds_alternative<BenchOptions>(parsed)) << std::get<std::string>(parsed);
  const auto& options = std::get<BenchOptions>(parsed);
  EXPECT_TRUE(options.publishUrl.empty());
  EXPECT_TRUE(options.serverPids.empty());
  EXPECT_FALSE(options.redisPid.has_value());
}

TEST(BenchOptionsTest, ReadsTwoNodesAndRedis) {
  auto parsed = parse({"--url", "http://127.0.0.1:9/", "--publish-url=http://127.0.0.1:10/", "--server-pid", "11",
                       "--server-pid=12", "--redis-pid", "13"});
  ASSERT_TRUE(std::holds_alternative<BenchOptions>(parsed)) << std::get<std::string>(parsed);
  const auto& options = std::get<BenchOptions>(parsed);
  EXPECT_EQ(options.url, "http://127.0.0.1:9/");
  EXPECT_EQ(options.publishUrl, "http://127.0.0.1:10/");
  EXPECT_EQ(options.serverPids, (std::vector<int>{11, 12}));
  EXPECT_EQ(options.redisPid, 13);
}

TEST(BenchOptionsTest, RefusesBadUses) {
  EXPECT_EQ(errorOf({"--publish-url", "ws://127.0.0.1:10/"}),
            "--publish-url must start with http:// (got 'ws://127.0.0.1:10/')");
  EXPECT_EQ(errorOf({"--publish-url", ""}), "bad value '' for option --publish-url");
  EXPECT_EQ(errorOf({"--server-pid", "7", "--server-pid", "7"}),
            "--server-pid 7 is given twice: its CPU would count twice");
  EXPECT_EQ(errorOf({"--server-pid", "0"}), "bad value '0' for option --server-pid");
  EXPECT_EQ(errorOf({"--redis-pid", "x"}), "bad value 'x' for option --redis-pid");
  EXPECT_EQ(errorOf({"--redis-pid"}), "option --redis-pid needs a value");
}

}  // namespace
}  // namespace spread::bench
