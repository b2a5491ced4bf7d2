#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "spread/transport/presence.h"

namespace spread::transport {

/// Presence for one process: a map of topic to members, in memory, under one lock. A topic
/// nobody is in holds no entry. Ids are 11 random bytes from the kernel in base64url: 15
/// characters, short enough to be stored inside the string, taken from a buffer refilled a
/// few hundred ids at a time.
///
/// Sinks are called with the lock held, so that each topic's frames reach every sink in one
/// order. A sink may end a session (its queue overflowed), and the session then leaves from
/// inside that call: such a reentrant leave() is queued and done before the lock is released.
class InProcessPresence final : public Presence {
 public:
  std::string join(const std::string& topic, std::string name, PresenceSink sink) override;
  void leave(const std::string& topic, const std::string& id) override;
  PresenceList list(const std::string& topic, std::size_t max) const override;
  std::size_t entries() const override;

 private:
  struct TopicMembers {
    std::map<std::uint64_t, PresenceMember> byJoin;  // join order, for lists
    std::unordered_map<std::string, std::uint64_t> byId;
    // Only the members that asked for frames: a join or leave walks these, not everyone.
    std::map<std::uint64_t, PresenceSink> watchers;
  };

  // REQUIRE mutex_ held.
  void leaveLocked(const std::string& topic, const std::string& id);
  void tellOthersLocked(TopicMembers& members, std::uint64_t except, const std::string& json);
  PresenceList listLocked(const TopicMembers& members, std::size_t max) const;
  void finishLeavesLocked();
  std::string newIdLocked();

  mutable std::mutex mutex_;
  std::unordered_map<std::string, TopicMembers> topics_;
  std::uint64_t joins_ = 0;
  std::size_t entries_ = 0;
  // The thread calling sinks, if any: a leave() on it is one of theirs, reentrant.
  std::atomic<std::thread::id> calling_{};
  std::vector<std::pair<std::string, std::string>> leavesOwed_;
  std::array<unsigned char, 4096> random_{};
  std::size_t randomUsed_ = random_.size();
};

}  // namespace spread::transport
