#include "spread/transport/in_process_presence.h"

#include "spread/transport/random_bytes.h"

namespace spread::transport {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kIdChars = 11;  // 64 bits, 6 to a character

std::uint32_t roundFunction(std::uint32_t half, std::uint32_t key) {
  std::uint32_t x = half ^ key;
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// A four-round Feistel network on the two 32-bit halves: a bijection of 64-bit values, so
// distinct slots and generations always give distinct ids, and inverting it needs the keys.
std::uint64_t permute(std::uint64_t value, const std::array<std::uint32_t, 4>& keys) {
  std::uint32_t left = static_cast<std::uint32_t>(value >> 32);
  std::uint32_t right = static_cast<std::uint32_t>(value);
  for (std::uint32_t key : keys) {
    const std::uint32_t mixed = left ^ roundFunction(right, key);
    left = right;
    right = mixed;
  }
  return (std::uint64_t{left} << 32) | right;
}

std::uint64_t unpermute(std::uint64_t value, const std::array<std::uint32_t, 4>& keys) {
  std::uint32_t left = static_cast<std::uint32_t>(value >> 32);
  std::uint32_t right = static_cast<std::uint32_t>(value);
  for (auto key = keys.rbegin(); key != keys.rend(); ++key) {
    const std::uint32_t mixed = right ^ roundFunction(left, *key);
    right = left;
    left = mixed;
  }
  return (std::uint64_t{left} << 32) | right;
}

int alphabetIndex(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

InProcessPresence::InProcessPresence() {
  fillRandom(reinterpret_cast<unsigned char*>(key_.data()), sizeof(key_));
}

std::string InProcessPresence::idOf(std::uint32_t slot, std::uint32_t generation) const {
  const std::uint64_t value = permute((std::uint64_t{generation} << 32) | slot, key_);
  std::string id(kIdChars, '\0');  // fits inside the string: no allocation
  for (std::size_t i = 0; i < kIdChars; ++i) id[i] = kAlphabet[(value >> (60 - 6 * i)) & 63];
  return id;
}

bool InProcessPresence::slotOf(const std::string& id, std::uint32_t& slot, std::uint32_t& generation) const {
  if (id.size() != kIdChars) return false;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kIdChars; ++i) {
    const int digit = alphabetIndex(id[i]);
    if (digit < 0 || (i == 0 && digit > 15)) return false;  // the first carries the top 4 bits only
    value = (value << 6) | static_cast<std::uint64_t>(digit);
  }
  value = unpermute(value, key_);
  slot = static_cast<std::uint32_t>(value);
  generation = static_cast<std::uint32_t>(value >> 32);
  return true;
}

std::uint32_t InProcessPresence::takeSlotLocked() {
  if (freeSlots_ != kNoSlot) {
    const std::uint32_t slot = freeSlots_;
    freeSlots_ = slots_[slot].next;
    return slot;
  }
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

std::string InProcessPresence::join(const std::string& topic, std::string name, PresenceSink sink) {
  std::lock_guard lock(mutex_);
  calling_.store(std::this_thread::get_id());
  TopicMembers& members = topics_[topic];
  const std::uint32_t index = takeSlotLocked();
  Slot& slot = slots_[index];
  slot.name = std::move(name);
  slot.members = &members;
  slot.previous = members.last;
  slot.next = kNoSlot;
  if (members.last != kNoSlot) {
    slots_[members.last].next = index;
  } else {
    members.first = index;
  }
  members.last = index;
  ++members.count;
  ++entries_;
  std::string id = idOf(index, slot.generation);
  if (!members.watchers.empty()) tellOthersLocked(members, index, presenceEventJson("join", {id, slot.name}));
  if (sink) {
    sink(presenceMembersJson(listLocked(members, kMembersListedMax), id));
    members.watchers.emplace(index, std::move(sink));
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
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  if (!slotOf(id, index, generation) || index >= slots_.size()) return;
  Slot& slot = slots_[index];
  auto found = topics_.find(topic);
  if (found == topics_.end() || slot.members != &found->second || slot.generation != generation) return;
  TopicMembers& members = found->second;
  (slot.previous != kNoSlot ? slots_[slot.previous].next : members.first) = slot.next;
  (slot.next != kNoSlot ? slots_[slot.next].previous : members.last) = slot.previous;
  members.watchers.erase(index);
  --members.count;
  --entries_;
  const PresenceMember gone{id, std::move(slot.name)};
  slot = Slot{{}, nullptr, generation + 1, kNoSlot, freeSlots_};
  freeSlots_ = index;
  if (members.count == 0) {
    topics_.erase(found);  // a topic nobody is in holds nothing
    return;
  }
  if (!members.watchers.empty()) tellOthersLocked(members, kNoSlot, presenceEventJson("leave", gone));
}

void InProcessPresence::tellOthersLocked(TopicMembers& members, std::uint32_t except, const std::string& json) {
  for (auto& [index, sink] : members.watchers) {
    if (index != except) sink(json);
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
  list.count = members.count;
  for (std::uint32_t index = members.first; index != kNoSlot && list.members.size() < max;
       index = slots_[index].next) {
    list.members.push_back({idOf(index, slots_[index].generation), slots_[index].name});
  }
  list.truncated = list.count > list.members.size();
  return list;
}

PresenceList InProcessPresence::listNow(const std::string& topic, std::size_t max) const {
  std::lock_guard lock(mutex_);
  auto found = topics_.find(topic);
  if (found == topics_.end()) return {};
  return listLocked(found->second, max);
}

void InProcessPresence::list(const std::string& topic, std::size_t max, PresenceListDone done) const {
  // Called after the lock is released: `done` may ask presence again.
  done(PresenceListing{listNow(topic, max), {}});
}

std::size_t InProcessPresence::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

}  // namespace spread::transport
