// Proves how GET /subscribe's query says where a subscription starts: since with epoch, last,
// or neither; and that every malformed or contradictory value is refused naming its parameter.
#include <gtest/gtest.h>

#include "http/subscribe_start.h"

namespace spread::plugins::websocket {
namespace {

using Kind = core::SubscribeFrom::Kind;

TEST(SubscribeStartTest, NoQueryOrNoneOfTheParametersIsLive) {
  for (const char* target : {"/subscribe", "/subscribe?topic=a", "/subscribe?topic=lastly"}) {
    const SubscribeStart start = readSubscribeStart(target);
    EXPECT_FALSE(start.error) << target << ": " << *start.error;
    EXPECT_EQ(start.from.kind, Kind::kLive) << target;
  }
}

TEST(SubscribeStartTest, SinceWithEpochResumesAfterTheOffset) {
  const SubscribeStart start =
      readSubscribeStart("/subscribe?topic=a&since=18446744073709551615&epoch=00000000000000aB");
  ASSERT_FALSE(start.error) << *start.error;
  EXPECT_EQ(start.from.kind, Kind::kAfter);
  EXPECT_EQ(start.from.offset, 18446744073709551615ULL);
  EXPECT_EQ(start.from.epoch, 0xabu);
}

TEST(SubscribeStartTest, LastTakesACountUpToTheMost) {
  EXPECT_EQ(readSubscribeStart("/subscribe?last=0").from.kind, Kind::kLast);
  EXPECT_EQ(readSubscribeStart("/subscribe?last=100000").from.count, 100000u);
}

TEST(SubscribeStartTest, BadValuesAreRefusedNamingTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"/subscribe?since=1", "epoch"},
      {"/subscribe?epoch=ff", "since"},
      {"/subscribe?since=&epoch=ff", "since"},
      {"/subscribe?since=+1&epoch=ff", "since"},
      {"/subscribe?since=1.5&epoch=ff", "since"},
      {"/subscribe?since=18446744073709551616&epoch=ff", "since"},
      {"/subscribe?since=1&epoch=", "epoch"},
      {"/subscribe?since=1&epoch=0x1", "epoch"},
      {"/subscribe?since=1&epoch=12345678901234567", "epoch"},
      {"/subscribe?last=-1", "last"},
      {"/subscribe?last=100001", "last"},
      {"/subscribe?last=1&since=1&epoch=1", "last"},
      {"/subscribe?since=%zz&epoch=1", "since"},
  };
  for (const auto& [target, field] : cases) {
    const SubscribeStart start = readSubscribeStart(target);
    ASSERT_TRUE(start.error) << target;
    EXPECT_EQ(start.field, field) << target << ": " << *start.error;
    EXPECT_EQ(start.from.kind, Kind::kLive);
  }
}

}  // namespace
}  // namespace spread::plugins::websocket
