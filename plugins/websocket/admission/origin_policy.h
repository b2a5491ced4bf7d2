#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spread::plugins::websocket {

/// Which web pages may open a WebSocket or POST /publish (transport.websocket.allowedOrigins).
/// A browser names the page a request comes from in its Origin header, and any page a user
/// visits can make the browser connect here; without this check a hostile page could read
/// the chat or post in the user's name.
///
/// Allowed: requests with no Origin (not from a browser page), and then either the listed
/// origins, or, when none are listed, the server's own origin (the Origin's host and port
/// equal the request's Host). "*" allows every origin. A list replaces the own-origin rule
/// rather than adding to it because that rule trusts the Host header, which a DNS
/// rebinding page controls: an operator who lists origins gets exactly those.
/// Immutable after parse(); safe to share between threads.
class OriginPolicy {
 public:
  /// From "ORIGIN, ..." where each ORIGIN is "*" or scheme://host[:port]. Empty: only the
  /// server's own origin. On error returns a sentence naming the entry.
  static std::variant<OriginPolicy, std::string> parse(std::string_view list);

  /// `origin` and `host`: the request's header values, nullptr when absent.
  bool allows(const std::string* origin, const std::string* host) const;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;  // lower-case, default port removed
};

}  // namespace spread::plugins::websocket
