#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace spread::plugins::websocket {

/// A client's IP address, as the limits per address count it. IPv4 is kept as an
/// IPv4-mapped IPv6 address, so "10.0.0.1" and "::ffff:10.0.0.1" are one client: a dual-stack
/// listener reports IPv4 peers in the mapped form. A plain value: 16 bytes, cheap to hash,
/// which matters because every accept and every publish looks one up.
class ClientAddress {
 public:
  ClientAddress() = default;

  /// From a socket address (AF_INET or AF_INET6); the unspecified address otherwise.
  static ClientAddress fromSockaddr(const sockaddr* address);
  /// From text: dotted IPv4, or IPv6 with or without brackets. nullopt if it is neither.
  static std::optional<ClientAddress> parse(std::string_view text);

  bool isV4() const;
  /// True for this machine's own addresses as a connection shows them: 127.0.0.0/8 (dotted
  /// or IPv4-mapped, ::ffff:127.x.y.z) and ::1.
  bool isLoopback() const;
  /// Dotted IPv4 for IPv4 (mapped) addresses, RFC 5952 text for IPv6.
  std::string toString() const;
  /// True if the first `prefixBits` bits (counted on the 128-bit form) equal `network`'s.
  bool inPrefix(const ClientAddress& network, unsigned prefixBits) const;
  /// The address with all but its first `prefixBits` bits cleared.
  ClientAddress masked(unsigned prefixBits) const;

  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  friend bool operator==(const ClientAddress& a, const ClientAddress& b) { return a.bytes_ == b.bytes_; }
  friend bool operator!=(const ClientAddress& a, const ClientAddress& b) { return !(a == b); }

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

/// Keyed with a random value chosen once per process, so that a client that picks its
/// addresses (any IPv6 host can) cannot aim them all at one bucket of a table.
struct ClientAddressHash {
  std::size_t operator()(const ClientAddress& address) const;
};

}  // namespace spread::plugins::websocket
