#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace spread::bench {

/// What one sequential publisher sent and how each message was answered. Sequences start at
/// 1 and are sent in order, one request at a time, so answers arrive in order too.
class PublishLog {
 public:
  enum class Answer { kAccepted, kRefused, kUnknown };  // 2xx; another status; no answer at all

  /// Records that message `sequence` (lastSent() + 1) went out.
  void sent(std::uint64_t sequence);
  /// Records the answer to message `sequence`. REQUIRES: sent, not answered yet, in order.
  void answered(std::uint64_t sequence, Answer answer);

  std::uint64_t lastSent() const { return lastSent_; }
  std::uint64_t lastAnswered() const { return lastAnswered_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t refused() const { return refused_; }
  std::uint64_t unknown() const { return unknown_; }

  /// The answered sequences in [from, to] that were not accepted, ascending.
  std::vector<std::pair<std::uint64_t, Answer>> notAcceptedIn(std::uint64_t from, std::uint64_t to) const;

 private:
  std::uint64_t lastSent_ = 0;
  std::uint64_t lastAnswered_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t unknown_ = 0;
  std::vector<std::pair<std::uint64_t, Answer>> notAccepted_;  // ascending by sequence
};

/// What one good reader is owed and what it got, from its topic's publishers.
///
/// The owed window is derived from the stamps, not from the server. Once the reader has
/// received a first message M, its subscription is surely registered: every message sent
/// after that moment was accepted after M was, so it must follow M to this reader. confirm()
/// therefore marks, per publisher, the first sequence sent afterwards. freeze() marks the
/// last sequence answered before the reader decided to leave: accepted by then, so owed.
/// Everything accepted in between must arrive exactly once; messages outside the window
/// may arrive or not, but never twice.
class ReaderLedger {
 public:
  /// Starts a life on a topic whose publishers are `publishers` (indexes into the logs).
  void reset(std::vector<std::uint32_t> publishers);

  bool confirmed() const { return confirmed_; }
  bool frozen() const { return frozen_; }
  void confirm(const std::vector<PublishLog>& logs);
  void freeze(const std::vector<PublishLog>& logs);

  enum class Receipt { kNew, kDuplicate, kReorder, kForeign };
  /// Records a delivery. kForeign: the publisher does not publish on this reader's topic.
  Receipt receive(std::uint32_t publisher, std::uint64_t sequence);

  struct Count {
    std::uint64_t owed = 0;      // accepted in the window
    std::uint64_t missing = 0;   // owed and not received
    // Of missing: those below the publisher's highest sequence received. Messages from
    // one publisher arrive in order, so these were skipped, not merely late.
    std::uint64_t skipped = 0;
    std::uint64_t phantom = 0;   // received although the publish was refused
  };
  /// REQUIRES: frozen().
  Count count(const std::vector<PublishLog>& logs) const;

 private:
  struct FromPublisher {
    std::uint32_t publisher = 0;
    std::uint64_t first = 0;  // first owed sequence (confirm)
    std::uint64_t last = 0;   // last owed sequence (freeze); owed is empty when last < first
    std::uint64_t highest = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;  // received, as ascending [from, to]
  };
  FromPublisher* find(std::uint32_t publisher);
  static std::uint64_t receivedIn(const FromPublisher& from, std::uint64_t low, std::uint64_t high);
  static bool received(const FromPublisher& from, std::uint64_t sequence);

  std::vector<FromPublisher> from_;
  bool confirmed_ = false;
  bool frozen_ = false;
};

}  // namespace spread::bench
