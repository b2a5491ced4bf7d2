// Proves each deliberate bug of the scripted WebSocket client does what its switch says, so
// that the harness's checks have something real to catch: with the switch on, the client
// reports what a correct one would not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "scripted_client_fixture.h"

namespace spread::plugins::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::closeBody;
using testing::ScriptedClientTest;
using testing::serverFrame;
using transport::CloseCode;

TEST_F(ScriptedClientTest, DuplicateDeliveryReportsTheSeventhReadTwice) {
  world_.bugs.duplicateDelivery = true;
  auto client = upgraded();
  std::vector<core::MessagePtr> sent;
  for (std::uint64_t sequence = 1; sequence <= 8; ++sequence) {
    sent.push_back(message(sequence, "m" + std::to_string(sequence)));
    handOver(*client, sent.back());
  }
  settle();
  ASSERT_EQ(observer_.reads.size(), 9u);
  EXPECT_EQ(observer_.reads[6], sent[6]);
  EXPECT_EQ(observer_.reads[7], sent[6]);
  EXPECT_EQ(observer_.reads[8], sent[7]);
}

TEST_F(ScriptedClientTest, DropAfterResumeLosesTheFirstReadAfterAResume) {
  world_.bugs.dropAfterResume = true;
  auto client = upgraded();
  const core::MessagePtr m1 = message(1, "m1");
  const core::MessagePtr m2 = message(2, "m2");
  const core::MessagePtr m3 = message(3, "m3");
  handOver(*client, m1);
  settle();
  client->setReading(false);
  handOver(*client, m2);
  handOver(*client, m3);
  settle();
  client->setReading(true);
  settle();
  EXPECT_THAT(observer_.reads, ElementsAre(m1, m3));
}

TEST_F(ScriptedClientTest, WithoutTheBugAResumeLosesNothing) {
  auto client = upgraded();
  const core::MessagePtr m1 = message(1, "m1");
  const core::MessagePtr m2 = message(2, "m2");
  client->setReading(false);
  handOver(*client, m1);
  handOver(*client, m2);
  settle();
  client->setReading(true);
  settle();
  EXPECT_THAT(observer_.reads, ElementsAre(m1, m2));
}

TEST_F(ScriptedClientTest, LostCloseReportsNoEndForALinkTheServerCut) {
  world_.bugs.lostClose = true;
  auto client = upgraded();
  network_.close(handle_);
  settle();
  EXPECT_THAT(observer_.ends, IsEmpty());
}

TEST_F(ScriptedClientTest, CloseTwiceReportsASecondEndWhenTheLinkGoes) {
  world_.bugs.closeTwice = true;
  auto client = upgraded();
  serverWrite(serverFrame(kOpClose, closeBody(1001)));
  settle();
  EXPECT_EQ(observer_.ends.size(), 1u);
  network_.close(handle_);
  settle();
  EXPECT_EQ(observer_.ends.size(), 2u);
}

TEST_F(ScriptedClientTest, EndBeforeFlushReportsTheEndBeforeTheFramesAheadOfItAreRead) {
  world_.bugs.endBeforeFlush = true;
  auto client = upgraded();
  client->setReading(false);
  handOver(*client, message(1, "m1"));
  client->serverCloseRequested(CloseCode::kPolicyViolation, "too slow to keep up");
  settle();
  client->setReading(true);
  settle();
  EXPECT_THAT(observer_.log, ElementsAre("ended 1008", "read m1"));
}

}  // namespace
}  // namespace spread::plugins::sim
