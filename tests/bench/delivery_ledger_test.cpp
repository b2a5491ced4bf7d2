// Proves the churn soak's loss check: a good reader is owed exactly the messages accepted
// between its first delivery and its decision to leave, and the ledger counts what is
// missing, repeated, out of order or delivered although refused, from stamps alone.
#include <gtest/gtest.h>

#include "delivery_ledger.h"

namespace spread::bench {
namespace {

class DeliveryLedgerTest : public ::testing::Test {
 protected:
  // Publisher `p` sends and gets answered messages up to `last`, each with `answer`.
  void publishThrough(std::uint32_t p, std::uint64_t last, PublishLog::Answer answer = PublishLog::Answer::kAccepted) {
    for (std::uint64_t s = logs_[p].lastSent() + 1; s <= last; ++s) {
      logs_[p].sent(s);
      logs_[p].answered(s, answer);
    }
  }
  void receiveRange(std::uint32_t p, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t s = from; s <= to; ++s) EXPECT_EQ(ledger_.receive(p, s), ReaderLedger::Receipt::kNew);
  }

  std::vector<PublishLog> logs_ = std::vector<PublishLog>(3);
  ReaderLedger ledger_;
};

TEST_F(DeliveryLedgerTest, OwesWhatWasSentAfterConfirmingAndAnsweredBeforeFreezing) {
  ledger_.reset({0, 2});
  publishThrough(0, 10);
  publishThrough(2, 4);
  receiveRange(0, 9, 10);  // the first deliveries confirm the subscription
  ledger_.confirm(logs_);
  publishThrough(0, 20);
  publishThrough(2, 7);
  logs_[0].sent(21);  // in flight when the reader decides to leave: not owed
  receiveRange(0, 11, 20);
  receiveRange(2, 5, 7);
  ledger_.freeze(logs_);
  const auto count = ledger_.count(logs_);
  EXPECT_EQ(count.owed, 10u + 3u);
  EXPECT_EQ(count.missing, 0u);
  EXPECT_EQ(count.phantom, 0u);
}

TEST_F(DeliveryLedgerTest, CountsAGapInTheWindowAsMissing) {
  ledger_.reset({0});
  ledger_.confirm(logs_);
  publishThrough(0, 10);
  receiveRange(0, 1, 4);
  receiveRange(0, 7, 10);
  ledger_.freeze(logs_);
  EXPECT_EQ(ledger_.count(logs_).owed, 10u);
  EXPECT_EQ(ledger_.count(logs_).missing, 2u);
  EXPECT_EQ(ledger_.count(logs_).skipped, 2u);
}

TEST_F(DeliveryLedgerTest, TellsSkippedMessagesFromATailNotArrivedYet) {
  ledger_.reset({0});
  ledger_.confirm(logs_);
  publishThrough(0, 10);
  receiveRange(0, 1, 3);
  receiveRange(0, 5, 6);  // 4 was skipped; 7..10 may still be on their way
  ledger_.freeze(logs_);
  EXPECT_EQ(ledger_.count(logs_).missing, 5u);
  EXPECT_EQ(ledger_.count(logs_).skipped, 1u);
}

TEST_F(DeliveryLedgerTest, AMessageOutsideTheWindowIsNotOwed) {
  ledger_.reset({0});
  publishThrough(0, 5);  // before the reader's first delivery
  ledger_.confirm(logs_);
  publishThrough(0, 8);
  receiveRange(0, 6, 8);
  ledger_.freeze(logs_);
  EXPECT_EQ(ledger_.count(logs_).owed, 3u);
  EXPECT_EQ(ledger_.count(logs_).missing, 0u);
}

TEST_F(DeliveryLedgerTest, TellsDuplicatesFromReordersAndForeignPublishers) {
  ledger_.reset({0});
  receiveRange(0, 1, 3);
  EXPECT_EQ(ledger_.receive(0, 3), ReaderLedger::Receipt::kDuplicate);
  EXPECT_EQ(ledger_.receive(0, 2), ReaderLedger::Receipt::kDuplicate);
  EXPECT_EQ(ledger_.receive(0, 6), ReaderLedger::Receipt::kNew);
  EXPECT_EQ(ledger_.receive(0, 5), ReaderLedger::Receipt::kReorder);
  EXPECT_EQ(ledger_.receive(0, 5), ReaderLedger::Receipt::kDuplicate);
  EXPECT_EQ(ledger_.receive(0, 4), ReaderLedger::Receipt::kReorder);  // closes the gap: 1..6 received
  EXPECT_EQ(ledger_.receive(1, 1), ReaderLedger::Receipt::kForeign);
  ledger_.confirm(logs_);  // nothing sent yet: everything from 1 on is owed
  publishThrough(0, 6);
  ledger_.freeze(logs_);
  EXPECT_EQ(ledger_.count(logs_).missing, 0u);
}

TEST_F(DeliveryLedgerTest, RefusedAndUnansweredPublishesAreNotOwedButARefusedOneMustNotArrive) {
  ledger_.reset({0});
  ledger_.confirm(logs_);
  publishThrough(0, 2);
  publishThrough(0, 3, PublishLog::Answer::kRefused);
  publishThrough(0, 4, PublishLog::Answer::kUnknown);
  publishThrough(0, 5);
  receiveRange(0, 1, 2);
  EXPECT_EQ(ledger_.receive(0, 4), ReaderLedger::Receipt::kNew);  // unanswered, yet taken: fine
  EXPECT_EQ(ledger_.receive(0, 5), ReaderLedger::Receipt::kNew);
  ledger_.freeze(logs_);
  auto count = ledger_.count(logs_);
  EXPECT_EQ(count.owed, 3u);
  EXPECT_EQ(count.missing, 0u);
  EXPECT_EQ(count.phantom, 0u);
  EXPECT_EQ(ledger_.receive(0, 3), ReaderLedger::Receipt::kReorder);  // the refused one turns up
  count = ledger_.count(logs_);
  EXPECT_EQ(count.phantom, 1u);
  EXPECT_EQ(count.missing, 0u);
}

TEST_F(DeliveryLedgerTest, NothingIsOwedWhenNothingWasAnsweredInTheWindow) {
  ledger_.reset({0});
  publishThrough(0, 3);
  ledger_.confirm(logs_);
  logs_[0].sent(4);
  ledger_.freeze(logs_);
  EXPECT_EQ(ledger_.count(logs_).owed, 0u);
  EXPECT_EQ(ledger_.count(logs_).missing, 0u);
}

TEST(PublishLogTest, ListsTheNotAcceptedInARange) {
  PublishLog log;
  for (std::uint64_t s = 1; s <= 6; ++s) {
    log.sent(s);
    log.answered(s, s == 2 ? PublishLog::Answer::kRefused
                           : (s == 5 ? PublishLog::Answer::kUnknown : PublishLog::Answer::kAccepted));
  }
  EXPECT_EQ(log.accepted(), 4u);
  EXPECT_EQ(log.refused(), 1u);
  EXPECT_EQ(log.unknown(), 1u);
  EXPECT_EQ(log.notAcceptedIn(1, 6).size(), 2u);
  EXPECT_EQ(log.notAcceptedIn(3, 4).size(), 0u);
  ASSERT_EQ(log.notAcceptedIn(3, 5).size(), 1u);
  EXPECT_EQ(log.notAcceptedIn(3, 5)[0].first, 5u);
}

}  // namespace
}  // namespace spread::bench
