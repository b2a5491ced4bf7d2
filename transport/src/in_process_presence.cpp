#include "spread/transport/in_process_presence.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <random>

namespace spread::transport {

namespace {

// Random rather than counted, so that one client's id says nothing about another's.
std::string newId() {
  std::array<unsigned char, 16> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got >= 0) {
      filled += static_cast<std::size_t>(got);
    } else if (errno != EINTR) {
      // No getrandom (a kernel before 3.17): the library's device, which reads the same pool.
      std::random_device device;
      for (; filled < bytes.size(); ++filled) bytes[filled] = static_cast<unsigned char>(device());
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    id.push_back(kHex[byte >> 4]);
    id.push_back(kHex[byte & 0xf]);
  }
  return id;
}

}  // namespace

std::string InProcessPresence::join(const std::string& topic, std::string name, PresenceSink sink) {
  std::string id = newId();
  std::lock_guard lock(mutex_);
  TopicMembers& members = topics_[topic];
  const std::uint64_t order = ++joins_;
  PresenceMember member{id, std::move(name)};
  calling_.store(std::this_thread::get_id());
  const std::string joined = presenceEventJson("join", member);
  members.byId.emplace(id, order);
  auto& entry = members.byJoin.emplace(order, Entry{std::move(member), std::move(sink)}).first->second;
  ++entries_;
  if (entry.sink) entry.sink(presenceMembersJson(listLocked(members, kMembersListedMax), id));
  tellOthersLocked(members, order, joined);
  finishLeavesLocked();
  return id;
}

void InProcessPresence::leave(const std::string& topic, const std::string& id) {
  if (calling_.load() == std::this_thread::get_id()) {
    // Called from inside a sink, so this thread holds the lock already (see the class comment).
    leavesOwed_.emplace_back(topic, id);
    return;
  }
  std::lock_guard lock(mutex_);
  calling_.store(std::this_thread::get_id());
  leaveLocked(topic, id);
  finishLeavesLocked();
}

void InProcessPresence::leaveLocked(const std::string& topic, const std::string& id) {
  auto found = topics_.find(topic);
  if (found == topics_.end()) return;
  TopicMembers& members = found->second;
  auto byId = members.byId.find(id);
  if (byId == members.byId.end()) return;
  auto entry = members.byJoin.find(byId->second);
  const PresenceMember gone = std::move(entry->second.member);
  members.byJoin.erase(entry);
  members.byId.erase(byId);
  --entries_;
  if (members.byJoin.empty()) {
    topics_.erase(found);  // a topic nobody is in holds nothing
    return;
  }
  tellOthersLocked(members, 0, presenceEventJson("leave", gone));
}

void InProcessPresence::tellOthersLocked(TopicMembers& members, std::uint64_t except, const std::string& json) {
  for (auto& [order, entry] : members.byJoin) {
    if (order != except && entry.sink) entry.sink(json);
  }
}

void InProcessPresence::finishLeavesLocked() {
  // Each leave may make a sink end another session, which owes its leave in turn; every
  // member leaves at most once, so this ends.
  while (!leavesOwed_.empty()) {
    auto [topic, id] = std::move(leavesOwed_.back());
    leavesOwed_.pop_back();
    leaveLocked(topic, id);
  }
  calling_.store(std::thread::id{});
}

PresenceList InProcessPresence::listLocked(const TopicMembers& members, std::size_t max) const {
  PresenceList list;
  list.count = members.byJoin.size();
  for (const auto& [order, entry] : members.byJoin) {
    if (list.members.size() == max) break;
    list.members.push_back(entry.member);
  }
  list.truncated = list.count > list.members.size();
  return list;
}

PresenceList InProcessPresence::list(const std::string& topic, std::size_t max) const {
  std::lock_guard lock(mutex_);
  auto found = topics_.find(topic);
  if (found == topics_.end()) return {};
  return listLocked(found->second, max);
}

std::size_t InProcessPresence::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

}  // namespace spread::transport
