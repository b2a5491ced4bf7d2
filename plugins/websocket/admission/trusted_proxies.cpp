#include "admission/trusted_proxies.h"

#include <charconv>

#include "http/http_syntax.h"

namespace spread::plugins::websocket {

namespace {

using http_syntax::equalsIgnoreCase;
using http_syntax::trimOws;

// The address in one Forwarded "for=" value: quoted or not, IPv6 in brackets, with or
// without a port.
std::optional<ClientAddress> forwardedNode(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  if (!value.empty() && value.front() == '[') {
    const std::size_t close = value.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return ClientAddress::parse(value.substr(1, close - 1));
  }
  const std::size_t colon = value.find(':');
  if (colon != std::string_view::npos && value.find(':', colon + 1) == std::string_view::npos) {
    value = value.substr(0, colon);  // IPv4 with a port
  }
  return ClientAddress::parse(value);
}

// The hops a Forwarded header lists, oldest first; nullopt entries are hops that are not
// addresses.
std::vector<std::optional<ClientAddress>> forwardedHops(const HttpRequest& request) {
  std::vector<std::optional<ClientAddress>> hops;
  for (const HttpHeader& field : request.headers) {
    if (!equalsIgnoreCase(field.name, "Forwarded")) continue;
    http_syntax::forEachListElement(field.value, [&](std::string_view element) {
      std::optional<ClientAddress> node;
      while (!element.empty()) {
        const std::size_t semicolon = element.find(';');
        const std::string_view pair = trimOws(element.substr(0, semicolon));
        const std::size_t equals = pair.find('=');
        if (equals != std::string_view::npos && equalsIgnoreCase(trimOws(pair.substr(0, equals)), "for")) {
          node = forwardedNode(trimOws(pair.substr(equals + 1)));
        }
        if (semicolon == std::string_view::npos) break;
        element.remove_prefix(semicolon + 1);
      }
      hops.push_back(node);
    });
  }
  return hops;
}

std::vector<std::optional<ClientAddress>> xForwardedForHops(const HttpRequest& request) {
  std::vector<std::optional<ClientAddress>> hops;
  for (const HttpHeader& field : request.headers) {
    if (!equalsIgnoreCase(field.name, "X-Forwarded-For")) continue;
    http_syntax::forEachListElement(field.value,
                                    [&](std::string_view element) { hops.push_back(forwardedNode(element)); });
  }
  return hops;
}

// Every hop the proxies recorded, oldest first: the Forwarded header's if there is one, as
// it is the standard and a proxy that writes it means it; X-Forwarded-For's otherwise.
std::vector<std::optional<ClientAddress>> recordedHops(const HttpRequest& request) {
  std::vector<std::optional<ClientAddress>> hops = forwardedHops(request);
  if (hops.empty()) hops = xForwardedForHops(request);
  return hops;
}

}  // namespace

std::variant<TrustedProxies, std::string> TrustedProxies::parse(std::string_view list) {
  TrustedProxies result;
  std::optional<std::string> error;
  http_syntax::forEachListElement(list, [&](std::string_view entry) {
    if (error) return;
    const std::size_t slash = entry.find('/');
    const std::optional<ClientAddress> address = ClientAddress::parse(entry.substr(0, slash));
    if (!address) {
      error = "'" + std::string(entry) + "' is not an IP address or CIDR prefix";
      return;
    }
    // Prefix lengths are written for the address's own family; IPv4 ones count on the
    // mapped 128-bit form, 96 bits further in.
    const unsigned familyBits = address->isV4() ? 32 : 128;
    unsigned bits = familyBits;
    if (slash != std::string_view::npos) {
      const std::string_view digits = entry.substr(slash + 1);
      const auto [end, failure] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
      if (failure != std::errc() || end != digits.data() + digits.size() || digits.empty() || bits > familyBits) {
        error = "'" + std::string(entry) + "' has a prefix length that is not 0 to " + std::to_string(familyBits);
        return;
      }
    }
    const unsigned prefixBits = bits + (128 - familyBits);
    result.ranges_.push_back(Range{address->masked(prefixBits), prefixBits});
  });
  if (error) return *error;
  return result;
}

bool TrustedProxies::trusts(const ClientAddress& address) const {
  for (const Range& range : ranges_) {
    if (address.inPrefix(range.network, range.prefixBits)) return true;
  }
  return false;
}

ClientAddress TrustedProxies::clientOf(const ClientAddress& peer, const HttpRequest& request) const {
  if (!trusts(peer)) return peer;
  const std::vector<std::optional<ClientAddress>> hops = recordedHops(request);
  ClientAddress client = peer;
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (!*hop) break;
    client = **hop;
    if (!trusts(client)) break;
  }
  return client;
}

std::optional<ClientAddress> TrustedProxies::namedClientOf(const ClientAddress& peer,
                                                           const HttpRequest& request) const {
  if (!trusts(peer)) return peer;
  const std::vector<std::optional<ClientAddress>> hops = recordedHops(request);
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (!*hop) return std::nullopt;
    if (!trusts(**hop)) return **hop;
  }
  if (hops.empty()) return std::nullopt;
  return *hops.front();
}

}  // namespace spread::plugins::websocket
