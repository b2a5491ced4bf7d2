#pragma once

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
/// nobody is in holds no entry. Ids are 16 random bytes from the kernel, in hex.
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
  struct Entry {
    PresenceMember member;
    PresenceSink sink;
  };
  struct TopicMembers {
    std::map<std::uint64_t, Entry> byJoin;                  // join order, for lists
    std::unordered_map<std::string, std::uint64_t> byId;
  };

  // REQUIRE mutex_ held.
  void leaveLocked(const std::string& topic, const std::string& id);
  void tellOthersLocked(TopicMembers& members, std::uint64_t except, const std::string& json);
  PresenceList listLocked(const TopicMembers& members, std::size_t max) const;
  void finishLeavesLocked();

  mutable std::mutex mutex_;
  std::unordered_map<std::string, TopicMembers> topics_;
  std::uint64_t joins_ = 0;
  std::size_t entries_ = 0;
  // The thread calling sinks, if any: a leave() on it is one of theirs, reentrant.
  std::atomic<std::thread::id> calling_{};
  std::vector<std::pair<std::string, std::string>> leavesOwed_;
};

}  // namespace spread::transport
