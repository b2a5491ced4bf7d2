#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "admission/client_address.h"
#include "http/http_request_parser.h"

namespace spread::plugins::websocket {

/// The reverse proxies whose word on the client's address is believed
/// (transport.websocket.trustedProxies). Behind a proxy every connection comes from the
/// proxy's address, so the limits per address would lump all its clients together; the
/// proxy says who the client is in X-Forwarded-For or Forwarded. From anyone else those
/// headers are ignored, so a client cannot forge its way past a limit.
/// Immutable after parse(); safe to share between threads.
class TrustedProxies {
 public:
  /// From "ADDRESS[/BITS], ..." (IPv4 or IPv6, CIDR prefixes allowed). Empty text: none.
  /// On error returns a sentence naming the entry that is not an address or a prefix.
  static std::variant<TrustedProxies, std::string> parse(std::string_view list);

  bool empty() const { return ranges_.empty(); }
  bool trusts(const ClientAddress& address) const;

  /// The client a request stands for. `peer` is the connection's own address. Unless
  /// `peer` is trusted, that is `peer`. Otherwise the hops the proxies recorded (the
  /// Forwarded header's for= elements if there is one, else X-Forwarded-For's addresses)
  /// are walked from the newest: the first address not trusted is the client. A hop that
  /// is not an address ("unknown", an obfuscated name, garbage) ends the walk at the
  /// last address that was believed.
  ClientAddress clientOf(const ClientAddress& peer, const HttpRequest& request) const;

  /// The client a request stands for when that must be known, not guessed: as clientOf(),
  /// but nullopt when `peer` is trusted and the proxies do not say who the client is (no
  /// forwarding header, or a hop that is not an address before the walk reached a client
  /// that is not trusted). If every hop is trusted, the oldest is where the request began.
  /// clientOf() falls back to the last address believed, which is fine for counting but
  /// would let a proxy on this machine pass for the client.
  std::optional<ClientAddress> namedClientOf(const ClientAddress& peer, const HttpRequest& request) const;

 private:
  struct Range {
    ClientAddress network;
    unsigned prefixBits;
  };
  std::vector<Range> ranges_;
};

}  // namespace spread::plugins::websocket
