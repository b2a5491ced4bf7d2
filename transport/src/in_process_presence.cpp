#include "spread/transport/in_process_presence.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <random>

namespace spread::transport {

namespace {

constexpr std::size_t kIdBytes = 11;  // 88 bits; 15 base64url characters

void fillRandom(unsigned char* bytes, std::size_t size) {
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = getrandom(bytes + filled, size - filled, 0);
    if (got >= 0) {
      filled += static_cast<std::size_t>(got);
    } else if (errno != EINTR) {
      // No getrandom (a kernel before 3.17): the library's device, which reads the same pool.
      std::random_device device;
      for (; filled < size; ++filled) bytes[filled] = static_cast<unsigned char>(device());
    }
  }
}

}  // namespace

// Random rather than counted, so that one client's id says nothing about another's.
std::string InProcessPresence::newIdLocked() {
  if (randomUsed_ + kIdBytes > random_.size()) {
    fillRandom(random_.data(), random_.size());
    randomUsed_ = 0;
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string id;
  unsigned bits = 0;
  int held = 0;
  for (std::size_t i = 0; i < kIdBytes; ++i) {
    bits = (bits << 8) | random_[randomUsed_++];
    held += 8;
    while (held >= 6) {
      held -= 6;
      id.push_back(kAlphabet[(bits >> held) & 63]);
    }
  }
  if (held > 0) id.push_back(kAlphabet[(bits << (6 - held)) & 63]);
  return id;
}

std::string InProcessPresence::join(const std::string& topic, std::string name, PresenceSink sink) {
  std::lock_guard lock(mutex_);
  std::string id = newIdLocked();
  TopicMembers& members = topics_[topic];
  const std::uint64_t order = ++joins_;
  calling_.store(std::this_thread::get_id());
  members.byId.emplace(id, order);
  const PresenceMember& member = members.byJoin.emplace(order, PresenceMember{id, std::move(name)}).first->second;
  ++entries_;
  if (!members.watchers.empty()) tellOthersLocked(members, order, presenceEventJson("join", member));
  if (sink) {
    sink(presenceMembersJson(listLocked(members, kMembersListedMax), id));
    members.watchers.emplace(order, std::move(sink));
  }
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
  const PresenceMember gone = std::move(entry->second);
  members.watchers.erase(entry->first);
  members.byJoin.erase(entry);
  members.byId.erase(byId);
  --entries_;
  if (members.byJoin.empty()) {
    topics_.erase(found);  // a topic nobody is in holds nothing
    return;
  }
  if (!members.watchers.empty()) tellOthersLocked(members, 0, presenceEventJson("leave", gone));
}

void InProcessPresence::tellOthersLocked(TopicMembers& members, std::uint64_t except, const std::string& json) {
  for (auto& [order, sink] : members.watchers) {
    if (order != except) sink(json);
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
  for (const auto& [order, member] : members.byJoin) {
    if (list.members.size() == max) break;
    list.members.push_back(member);
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
