#include "admission/client_limits.h"

#include <algorithm>
#include <utility>

namespace spread::plugins::websocket {

namespace {
// IPv6 hosts are commonly handed a /64 of their own.
constexpr unsigned kIpv6ClientPrefixBits = 64;
// Entries of departed addresses kept before a sweep is worth its walk over the table.
constexpr std::size_t kDepartedBeforeSweep = 1024;
}  // namespace

std::string_view toString(ClientLimits::Refusal refusal) {
  switch (refusal) {
    case ClientLimits::Refusal::kNone: return "admitted";
    case ClientLimits::Refusal::kConnectionsMax: return "connectionsMax";
    case ClientLimits::Refusal::kConnectionsPerAddressMax: return "connectionsPerAddressMax";
  }
  return "?";
}

ClientLimits::Slot& ClientLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    limits_ = std::exchange(other.limits_, nullptr);
    address_ = std::exchange(other.address_, std::nullopt);
  }
  return *this;
}

void ClientLimits::Slot::release() {
  if (limits_ == nullptr) return;
  limits_->metrics_.clientDisconnected();
  std::lock_guard lock(limits_->mutex_);
  --limits_->connections_;
  if (address_) limits_->releaseAddressLocked(*address_);
  limits_ = nullptr;
  address_.reset();
}

ClientLimits::Refusal ClientLimits::Slot::attribute(const ClientAddress& client) {
  if (limits_ == nullptr) return Refusal::kNone;
  const ClientAddress key = keyOf(client);
  if (address_ == key) return Refusal::kNone;
  std::lock_guard lock(limits_->mutex_);
  Entry& entry = limits_->entryLocked(key);
  if (entry.connections >= limits_->options_.connectionsPerAddressMax) {
    if (entry.connections == 0) limits_->releaseAddressLocked(key);
    return Refusal::kConnectionsPerAddressMax;
  }
  if (++entry.connections == 1) ++limits_->addressesLive_;
  if (address_) limits_->releaseAddressLocked(*address_);
  address_ = key;
  return Refusal::kNone;
}

std::optional<core::Duration> ClientLimits::Slot::takePublish() {
  if (limits_ == nullptr || !address_) return std::nullopt;
  return limits_->takePublishFrom(*address_);
}

std::optional<core::Duration> ClientLimits::takePublishFrom(const ClientAddress& address) {
  // Unlimited (0) is decided without the lock every publish would otherwise take.
  if (!addressRateLimited_.load(std::memory_order_relaxed)) return std::nullopt;
  const ClientAddress key = keyOf(address);
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(mutex_);
  if (options_.addressPublishesPerSecond <= 0) return std::nullopt;
  // An address whose connections have all closed keeps its entry until the bucket refills
  // (or gets a fresh one, swept like any departed entry), so the rate holds either way.
  return entryLocked(key).publishes.take(addressRate(), now);
}

void ClientLimits::setOptions(ClientLimitsOptions options) {
  std::lock_guard lock(mutex_);
  options_ = options;
  addressRateLimited_.store(options.addressPublishesPerSecond > 0, std::memory_order_relaxed);
}

ClientAddress ClientLimits::keyOf(const ClientAddress& address) {
  return address.isV4() ? address : address.masked(kIpv6ClientPrefixBits);
}

ClientLimits::Refusal ClientLimits::admit(const ClientAddress& peer, bool countPeer, Slot& slot) {
  slot.release();
  const ClientAddress key = keyOf(peer);
  std::lock_guard lock(mutex_);
  if (connections_ >= options_.connectionsMax) return Refusal::kConnectionsMax;
  if (countPeer) {
    Entry& entry = entryLocked(key);
    if (entry.connections >= options_.connectionsPerAddressMax) return Refusal::kConnectionsPerAddressMax;
    if (++entry.connections == 1) ++addressesLive_;
    slot.address_ = key;
  }
  ++connections_;
  slot.limits_ = this;
  metrics_.clientConnected();
  return Refusal::kNone;
}

ClientLimits::Entry& ClientLimits::entryLocked(const ClientAddress& key) {
  auto [found, created] = addresses_.try_emplace(key);
  if (created) {
    found->second.publishes =
        transport::TokenBucket(addressRate(), clock_.now());
  }
  return found->second;
}

void ClientLimits::releaseAddressLocked(const ClientAddress& key) {
  auto found = addresses_.find(key);
  if (found == addresses_.end()) return;
  Entry& entry = found->second;
  if (entry.connections > 0 && --entry.connections == 0) --addressesLive_;
  if (entry.connections > 0) return;
  if (entry.publishes.full(addressRate(), clock_.now())) {
    addresses_.erase(found);
  } else if (addresses_.size() > sweepAtSize_) {
    sweepLocked();
  }
}

void ClientLimits::sweepLocked() {
  const core::TimePoint now = clock_.now();
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    if (it->second.connections == 0 && it->second.publishes.full(addressRate(), now)) {
      it = addresses_.erase(it);
    } else {
      ++it;
    }
  }
  // The next sweep waits until the table has doubled again, so sweeps cost amortised O(1)
  // per departure even when most departed entries are still refilling.
  sweepAtSize_ = std::max(2 * addresses_.size(), 2 * addressesLive_ + kDepartedBeforeSweep);
}

std::size_t ClientLimits::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

std::size_t ClientLimits::connectionsFrom(const ClientAddress& address) const {
  std::lock_guard lock(mutex_);
  auto found = addresses_.find(keyOf(address));
  return found == addresses_.end() ? 0 : found->second.connections;
}

}  // namespace spread::plugins::websocket
