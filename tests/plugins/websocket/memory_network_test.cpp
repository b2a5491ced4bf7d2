// Proves the in-memory network's client side and its links, with a test playing both ends on
// virtual time: jitter delays server writes but never reorders them, and the same seed gives
// the same delays; a partial read (peek, consume) opens the window and wakes a blocked
// server; a link is forgotten once both sides are done with it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "io/memory_network.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"

namespace spread::plugins::websocket {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using namespace std::chrono_literals;

class MemoryNetworkTest : public ::testing::Test {
 protected:
  MemoryNetworkTest() {
    network_.listen([this](int handle, const std::string&) { accepted_.push_back(handle); });
  }

  // A connection the server has accepted.
  int open(MemoryNetwork::LinkOptions link = {}) {
    const int handle = network_.connect(link);
    executor_.advanceBy(link.latency);
    EXPECT_FALSE(accepted_.empty() || accepted_.back() != handle) << "not accepted";
    return handle;
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  MemoryNetwork network_{clock_, executor_};
  std::vector<int> accepted_;
};

// What arrives for the client, write by write, on a network with `seed`: 60 server writes,
// one every 100 µs, on a link of 1 ms latency and 3 ms jitter.
struct Arrivals {
  std::string bytes;
  std::vector<core::Duration> times;  // since the first write
};

Arrivals jittered(std::uint64_t seed) {
  core::ManualClock clock;
  core::ManualExecutor executor(clock);
  MemoryNetwork network(clock, executor);
  network.seedJitter(seed);
  int server = 0;
  network.listen([&](int handle, const std::string&) { server = handle; });
  MemoryNetwork::LinkOptions link;
  link.latency = 1ms;
  link.jitter = 3ms;
  const int client = network.connect(link);
  executor.advanceBy(1ms);
  EXPECT_EQ(server, client);
  const core::TimePoint start = clock.now();
  Arrivals arrivals;
  network.clientWatch(client, [&] {
    arrivals.bytes += network.clientTake(client);
    arrivals.times.push_back(clock.now() - start);
  });
  for (int i = 0; i < 60; ++i) {
    EXPECT_TRUE(network.write(server, "<" + std::to_string(i) + ">").done());
    executor.advanceBy(100us);
  }
  executor.advanceBy(10ms);
  return arrivals;
}

std::string inOrder() {
  std::string out;
  for (int i = 0; i < 60; ++i) out += "<" + std::to_string(i) + ">";
  return out;
}

TEST(MemoryNetworkJitterTest, DelaysWritesButNeverReordersThem) {
  const Arrivals arrivals = jittered(7);
  EXPECT_EQ(arrivals.bytes, inOrder());
  ASSERT_EQ(arrivals.times.size(), 60u);
  // Each write arrives at least one latency after it was written, at most latency + jitter
  // after it or after the write before it; and some writes really were held back.
  int delayedPastLatency = 0;
  for (std::size_t i = 0; i < arrivals.times.size(); ++i) {
    const core::Duration written = 100us * static_cast<int>(i);
    EXPECT_GE(arrivals.times[i], written + 1ms) << i;
    if (i > 0) {
      EXPECT_GE(arrivals.times[i], arrivals.times[i - 1]) << i;
    }
    if (arrivals.times[i] > written + 1ms) ++delayedPastLatency;
  }
  EXPECT_GT(delayedPastLatency, 30);
}

TEST(MemoryNetworkJitterTest, TheSameSeedGivesTheSameDelaysAndAnotherSeedOthers) {
  const Arrivals first = jittered(7);
  const Arrivals again = jittered(7);
  const Arrivals other = jittered(8);
  EXPECT_EQ(first.times, again.times);
  EXPECT_NE(first.times, other.times);
  EXPECT_EQ(other.bytes, inOrder());
}

TEST_F(MemoryNetworkTest, WithoutJitterEveryWriteTakesExactlyOneLatency) {
  MemoryNetwork::LinkOptions link;
  link.latency = 2ms;
  const int handle = open(link);
  std::vector<core::TimePoint> arrivals;
  network_.clientWatch(handle, [&] { arrivals.push_back(clock_.now()); });
  const core::TimePoint start = clock_.now();
  EXPECT_TRUE(network_.write(handle, "a").done());
  executor_.advanceBy(1ms);
  EXPECT_TRUE(network_.write(handle, "b").done());
  executor_.advanceBy(5ms);
  EXPECT_THAT(arrivals, ElementsAre(start + 2ms, start + 3ms));
}

TEST_F(MemoryNetworkTest, PeekShowsWhatArrivedWithoutTakingIt) {
  const int handle = open();
  EXPECT_TRUE(network_.write(handle, "hello world").done());
  executor_.runUntilIdle();
  EXPECT_EQ(network_.clientPeek(handle), "hello world");
  EXPECT_EQ(network_.clientPeek(handle), "hello world");
  EXPECT_EQ(network_.clientHeldBytes(handle), 11u);
  network_.clientConsume(handle, 6);
  EXPECT_EQ(network_.clientPeek(handle), "world");
  EXPECT_EQ(network_.clientHeldBytes(handle), 5u);
  EXPECT_TRUE(network_.write(handle, "!").done());
  executor_.runUntilIdle();
  EXPECT_EQ(network_.clientPeek(handle), "world!");
  network_.clientConsume(handle, 6);
  EXPECT_EQ(network_.clientPeek(handle), "");
  EXPECT_EQ(network_.clientHeldBytes(handle), 0u);
}

TEST_F(MemoryNetworkTest, ConsumingOpensTheWindowAndWakesABlockedServerWrite) {
  MemoryNetwork::LinkOptions link;
  link.clientReceiveBytes = 10;
  const int handle = open(link);
  int wakes = 0;
  network_.watch(handle, [&] { ++wakes; });

  const IoResult first = network_.write(handle, "0123456789abcde");
  EXPECT_EQ(first.bytes, 10u) << "as much as the window takes";
  EXPECT_FALSE(network_.writable(handle));
  EXPECT_EQ(network_.write(handle, "abcde").status, IoResult::Status::kWouldBlock);
  executor_.runUntilIdle();
  EXPECT_EQ(network_.clientPeek(handle), "0123456789");
  EXPECT_EQ(wakes, 0) << "nothing for the server yet: the bytes only arrived";
  EXPECT_FALSE(network_.writable(handle)) << "arrived but unread bytes still fill the window";

  network_.clientConsume(handle, 4);
  EXPECT_EQ(wakes, 1) << "the blocked server is told the window opened";
  EXPECT_TRUE(network_.writable(handle));
  const IoResult second = network_.write(handle, "abcde");
  EXPECT_EQ(second.bytes, 4u);
  executor_.runUntilIdle();
  EXPECT_EQ(network_.clientPeek(handle), "456789abcd");

  network_.clientConsume(handle, 1);
  EXPECT_EQ(wakes, 1) << "no write was blocked since: no wake";
}

TEST_F(MemoryNetworkTest, TheServersEndArrivesAfterEveryByteBeforeIt) {
  MemoryNetwork::LinkOptions link;
  link.latency = 1ms;
  link.jitter = 5ms;
  const int handle = open(link);
  network_.seedJitter(3);
  bool sawEndEarly = false;
  network_.clientWatch(handle, [&] {
    if (network_.clientSawEnd(handle) && network_.clientPeek(handle) != "abc") sawEndEarly = true;
  });
  EXPECT_TRUE(network_.write(handle, "a").done());
  EXPECT_TRUE(network_.write(handle, "b").done());
  EXPECT_TRUE(network_.write(handle, "c").done());
  network_.close(handle);
  executor_.advanceBy(20ms);
  EXPECT_FALSE(sawEndEarly);
  EXPECT_TRUE(network_.clientSawEnd(handle));
  EXPECT_EQ(network_.clientPeek(handle), "abc");
}

TEST_F(MemoryNetworkTest, ALinkIsForgottenOnceTheClientReleasedItAndTheServerClosedIt) {
  const int releasedFirst = open();
  const int closedFirst = open();
  EXPECT_EQ(network_.connections(), 2u);

  network_.clientRelease(releasedFirst);
  EXPECT_EQ(network_.connections(), 2u) << "the server still has it";
  network_.close(releasedFirst);
  EXPECT_EQ(network_.connections(), 1u);

  EXPECT_TRUE(network_.write(closedFirst, "late").done());
  network_.close(closedFirst);
  EXPECT_EQ(network_.connections(), 1u) << "the client still has it";
  network_.clientRelease(closedFirst);
  EXPECT_EQ(network_.connections(), 0u);
  // Bytes and the end still on their way find no link, and go nowhere.
  EXPECT_EQ(executor_.runUntilIdle(), 3u);
  EXPECT_EQ(network_.clientHeldBytes(closedFirst), 0u);
}

TEST_F(MemoryNetworkTest, AReleasedClientIsNoLongerToldOfArrivals) {
  const int handle = open();
  int arrivals = 0;
  network_.clientWatch(handle, [&] { ++arrivals; });
  EXPECT_TRUE(network_.write(handle, "x").done());
  executor_.runUntilIdle();
  EXPECT_EQ(arrivals, 1);
  network_.clientRelease(handle);
  EXPECT_TRUE(network_.write(handle, "y").done());
  executor_.runUntilIdle();
  EXPECT_EQ(arrivals, 1);
}

TEST_F(MemoryNetworkTest, TakeWrittenToNamesEachLinkWrittenToSinceTheLastCall) {
  const int a = open();
  const int b = open();
  open();  // never written to
  std::vector<int> written{99};
  network_.takeWrittenTo(written);
  EXPECT_TRUE(written.empty()) << "cleared, and nothing written yet";
  EXPECT_TRUE(network_.write(a, "1").done());
  EXPECT_TRUE(network_.write(b, "2").done());
  EXPECT_TRUE(network_.write(a, "3").done());
  network_.takeWrittenTo(written);
  EXPECT_THAT(std::set<int>(written.begin(), written.end()), UnorderedElementsAre(a, b));
  network_.takeWrittenTo(written);
  EXPECT_TRUE(written.empty());
}

TEST_F(MemoryNetworkTest, IgnoringReceiveWindowsLetsTheServerWritePastThem) {
  MemoryNetwork::LinkOptions link;
  link.clientReceiveBytes = 4;
  const int handle = open(link);
  EXPECT_EQ(network_.write(handle, "0123456789").bytes, 4u);
  network_.ignoreReceiveWindows();
  EXPECT_TRUE(network_.writable(handle));
  EXPECT_EQ(network_.write(handle, "0123456789").bytes, 10u);
  EXPECT_EQ(network_.clientHeldBytes(handle), 14u);
}

}  // namespace
}  // namespace spread::plugins::websocket
