#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "spread/transport/presence.h"

namespace spread::transport {

/// Presence for one process, in memory, under one lock. Every subscriber is a member, so a
/// member must cost little: it is one slot of a table (its name, a generation and the links of
/// its topic's join order), about 56 bytes, and a topic nobody is in holds nothing. A member's
/// id is its slot and generation under a keyed permutation, 11 base64url characters: leaving
/// finds the slot from the id without a map, an old id never names a later member of the same
/// slot, and ids say nothing of join order or of each other without the process's random key.
///
/// Sinks are called with the lock held, so that each topic's frames reach every sink in one
/// order. A sink may end a session (its queue overflowed), and the session then leaves from
/// inside that call: such a reentrant leave() is queued and done before the lock is released.
class InProcessPresence final : public Presence {
 public:
  InProcessPresence();

  std::string join(const std::string& topic, std::string name, PresenceSink sink) override;
  void leave(const std::string& topic, const std::string& id) override;
  /// Answers during the call, always with a list.
  void list(const std::string& topic, std::size_t max, PresenceListDone done) const override;
  /// The same list, returned.
  PresenceList listNow(const std::string& topic, std::size_t max) const;
  std::size_t entries() const override;

 private:
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;

  struct TopicMembers {
    std::uint32_t first = kNoSlot;  // join order, for lists
    std::uint32_t last = kNoSlot;
    std::size_t count = 0;
    // Only the members that asked for frames: a join or leave walks these, not everyone.
    std::map<std::uint32_t, PresenceSink> watchers;
  };
  struct Slot {
    std::string name;
    TopicMembers* members = nullptr;  // null while the slot is free
    std::uint32_t generation = 0;     // bumped when the slot is freed
    std::uint32_t previous = kNoSlot;
    std::uint32_t next = kNoSlot;  // in its topic's join order, or the next free slot
  };

  // REQUIRE mutex_ held.
  void leaveLocked(const std::string& topic, const std::string& id);
  void tellOthersLocked(TopicMembers& members, std::uint32_t except, const std::string& json);
  PresenceList listLocked(const TopicMembers& members, std::size_t max) const;
  void finishLeavesLocked();
  std::uint32_t takeSlotLocked();
  std::string idOf(std::uint32_t slot, std::uint32_t generation) const;
  // The slot an id names, if it is well formed (its generation is not checked here).
  bool slotOf(const std::string& id, std::uint32_t& slot, std::uint32_t& generation) const;

  std::array<std::uint32_t, 4> key_{};  // the permutation's round keys, random per process
  mutable std::mutex mutex_;
  std::unordered_map<std::string, TopicMembers> topics_;
  std::deque<Slot> slots_;  // a deque, so that growing it moves no slot
  std::uint32_t freeSlots_ = kNoSlot;
  std::size_t entries_ = 0;
  // The thread calling sinks, if any: a leave() on it is one of theirs, reentrant.
  std::atomic<std::thread::id> calling_{};
  std::vector<std::pair<std::string, std::string>> leavesOwed_;
};

}  // namespace spread::transport
