#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "admission/client_address.h"
#include "spread/core/clock.h"
#include "spread/transport/metrics.h"
#include "spread/transport/token_bucket.h"

namespace spread::plugins::websocket {

struct ClientLimitsOptions {
  std::size_t connectionsMax = 10000;           // every client connection, HTTP or WebSocket
  std::size_t connectionsPerAddressMax = 256;   // per client address (an IPv6 client: its /64)
  double addressPublishesPerSecond = 5000;      // publishes from one address; 0 = no limit
  double addressPublishBurst = 10000;
};

/// The counts behind the limits on clients: connections open in total and per client
/// address, and one publish rate bucket per address. Shared by every I/O loop; thread-safe.
///
/// An IPv6 client is counted by its /64 network, since one host is commonly given a whole
/// /64 and could otherwise take a fresh address for every connection.
///
/// Memory: one entry per address with a connection open, plus entries of addresses that
/// left less than a bucket's refill time ago (kept so that reconnecting does not refill
/// the bucket); those are swept once they outnumber the live ones.
class ClientLimits {
 public:
  enum class Refusal { kNone, kConnectionsMax, kConnectionsPerAddressMax };

  /// One connection's place in the counts; released when destroyed. Move-only.
  /// A slot's methods are called by the one thread that owns its connection.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    ~Slot() { release(); }

    bool held() const { return limits_ != nullptr; }
    /// The address the connection counts against, if any yet.
    const std::optional<ClientAddress>& address() const { return address_; }
    /// Counts the connection against `client` from now on (the client a trusted proxy
    /// named). Refuses, and leaves the slot as it was, if that address is at its limit.
    Refusal attribute(const ClientAddress& client);
    /// One publish from the slot's address: nullopt if its bucket allows it, otherwise how
    /// long until it would. A slot with no address yet is not limited here.
    std::optional<core::Duration> takePublish();
    void release();

   private:
    friend class ClientLimits;
    ClientLimits* limits_ = nullptr;
    std::optional<ClientAddress> address_;
  };

  /// Counts the connections it admits in `metrics` (spread_client_connections) too.
  ClientLimits(ClientLimitsOptions options, core::Clock& clock, transport::Metrics& metrics)
      : options_(options),
        addressRateLimited_(options.addressPublishesPerSecond > 0),
        clock_(clock),
        metrics_(metrics) {}
  ClientLimits(const ClientLimits&) = delete;
  ClientLimits& operator=(const ClientLimits&) = delete;

  /// Admits a new connection from `peer`, counting it against `peer` too unless
  /// `countPeer` is false (a trusted proxy, whose clients are attributed per request).
  Refusal admit(const ClientAddress& peer, bool countPeer, Slot& slot);

  /// One publish from `address` (as a slot records it): nullopt if its bucket allows it,
  /// otherwise how long until it would. Callable from any thread.
  std::optional<core::Duration> takePublishFrom(const ClientAddress& address);

  std::size_t connections() const;
  std::size_t connectionsFrom(const ClientAddress& address) const;
  /// New limits, from the next admission on (a reload): connections already open stay, even
  /// beyond a lowered limit; buckets keep what they hold and refill at the new rate.
  void setOptions(ClientLimitsOptions options);

 private:
  struct Entry {
    std::size_t connections = 0;
    transport::TokenBucket publishes;
  };

  static ClientAddress keyOf(const ClientAddress& address);
  transport::Rate addressRate() const {
    return transport::Rate{options_.addressPublishesPerSecond, options_.addressPublishBurst};
  }
  // REQUIRE mutex_ held.
  Entry& entryLocked(const ClientAddress& key);
  void releaseAddressLocked(const ClientAddress& key);
  void sweepLocked();

  ClientLimitsOptions options_;  // guarded by mutex_
  std::atomic<bool> addressRateLimited_;  // options_.addressPublishesPerSecond > 0
  core::Clock& clock_;
  transport::Metrics& metrics_;
  mutable std::mutex mutex_;
  std::size_t connections_ = 0;
  std::size_t addressesLive_ = 0;
  std::size_t sweepAtSize_ = 1024;
  std::unordered_map<ClientAddress, Entry, ClientAddressHash> addresses_;
};

std::string_view toString(ClientLimits::Refusal refusal);

}  // namespace spread::plugins::websocket
