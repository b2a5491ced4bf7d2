#include "admission/client_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace spread::plugins::websocket {

namespace {
constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}  // namespace

ClientAddress ClientAddress::fromSockaddr(const sockaddr* address) {
  ClientAddress result;
  if (address == nullptr) return result;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(result.bytes_.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
    std::memcpy(result.bytes_.data() + 12, &v4->sin_addr, 4);
  } else if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::memcpy(result.bytes_.data(), &v6->sin6_addr, 16);
  }
  return result;
}

std::optional<ClientAddress> ClientAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  // inet_pton needs a terminated string; an address is never longer than this.
  char terminated[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof terminated) return std::nullopt;
  std::memcpy(terminated, text.data(), text.size());
  terminated[text.size()] = '\0';
  ClientAddress result;
  in_addr v4{};
  if (::inet_pton(AF_INET, terminated, &v4) == 1) {
    std::memcpy(result.bytes_.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
    std::memcpy(result.bytes_.data() + 12, &v4, 4);
    return result;
  }
  if (::inet_pton(AF_INET6, terminated, result.bytes_.data()) == 1) return result;
  return std::nullopt;
}

bool ClientAddress::isV4() const {
  return std::memcmp(bytes_.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0;
}

bool ClientAddress::isLoopback() const {
  if (isV4()) return bytes_[12] == 127;
  // ::1 is fifteen zero bytes and a one.
  return std::all_of(bytes_.begin(), bytes_.end() - 1, [](std::uint8_t byte) { return byte == 0; }) &&
         bytes_.back() == 1;
}

std::string ClientAddress::toString() const {
  char text[INET6_ADDRSTRLEN];
  const bool ok = isV4() ? ::inet_ntop(AF_INET, bytes_.data() + 12, text, sizeof text) != nullptr
                         : ::inet_ntop(AF_INET6, bytes_.data(), text, sizeof text) != nullptr;
  return ok ? std::string(text) : std::string("?");
}

bool ClientAddress::inPrefix(const ClientAddress& network, unsigned prefixBits) const {
  if (prefixBits > 128) prefixBits = 128;
  const unsigned wholeBytes = prefixBits / 8;
  if (std::memcmp(bytes_.data(), network.bytes_.data(), wholeBytes) != 0) return false;
  const unsigned restBits = prefixBits % 8;
  if (restBits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - restBits));
  return (bytes_[wholeBytes] & mask) == (network.bytes_[wholeBytes] & mask);
}

ClientAddress ClientAddress::masked(unsigned prefixBits) const {
  ClientAddress result = *this;
  for (unsigned bit = prefixBits; bit < 128; ++bit) {
    result.bytes_[bit / 8] = static_cast<std::uint8_t>(result.bytes_[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  return result;
}

std::size_t ClientAddressHash::operator()(const ClientAddress& address) const {
  static const std::uint64_t key = [] {
    std::random_device random;
    return (static_cast<std::uint64_t>(random()) << 32) ^ random();
  }();
  // Two keyed multiply-xorshift rounds over the two halves: cheap, and without the key an
  // outsider cannot predict which addresses share a bucket.
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, address.bytes().data(), 8);
  std::memcpy(&low, address.bytes().data() + 8, 8);
  std::uint64_t hash = key;
  for (std::uint64_t half : {high, low}) {
    hash ^= half;
    hash *= 0x9E3779B97F4A7C15ull;
    hash ^= hash >> 29;
  }
  return static_cast<std::size_t>(hash);
}

}  // namespace spread::plugins::websocket
