// Fuzzes what the limits read from request headers anyone can send: the Origin check and the
// trusted-proxy walk over X-Forwarded-For and Forwarded. The stream is split at newlines into
// Origin, Host, and a run of forwarding headers. Invariants: no crash; "*" allows every
// origin; a request without Origin is always allowed; a peer that is not trusted is its own
// client whatever the headers say; a trusted peer's client is the peer or an address that
// some forwarding header spelt out.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "admission/client_address.h"
#include "admission/origin_policy.h"
#include "admission/trusted_proxies.h"
#include "fuzz_input.h"

namespace {

using spread::fuzz::check;
using spread::fuzz::FuzzInput;
using namespace spread::plugins::websocket;

std::vector<std::string> lines(std::string_view stream) {
  std::vector<std::string> out;
  while (!stream.empty()) {
    const std::size_t end = stream.find('\n');
    out.emplace_back(stream.substr(0, end));
    if (end == std::string_view::npos) break;
    stream.remove_prefix(end + 1);
  }
  return out;
}

const TrustedProxies& proxies() {
  static const TrustedProxies trusted = std::get<TrustedProxies>(TrustedProxies::parse("10.0.0.0/8, 2001:db8::/32"));
  return trusted;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const FuzzInput input(data, size);
  const std::vector<std::string> parts = lines(input.stream());
  const std::string origin = parts.size() > 0 ? parts[0] : std::string();
  const std::string host = parts.size() > 1 ? parts[1] : std::string();

  static const OriginPolicy sameOrigin = std::get<OriginPolicy>(OriginPolicy::parse(""));
  static const OriginPolicy any = std::get<OriginPolicy>(OriginPolicy::parse("*"));
  check(any.allows(&origin, &host), "* allows every origin");
  check(sameOrigin.allows(nullptr, &host), "a request without Origin is allowed");
  (void)sameOrigin.allows(&origin, &host);
  (void)sameOrigin.allows(&origin, nullptr);
  // The policy's own parser reads the same text as a list of origins.
  (void)OriginPolicy::parse(origin);
  (void)TrustedProxies::parse(origin);

  HttpRequest request;
  std::string spelt;  // every forwarding value, to check the client came from one of them
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const bool rfc7239 = (input.control(i % FuzzInput::kControlBytes) & 1) != 0;
    request.headers.push_back(HttpHeader{rfc7239 ? "Forwarded" : "X-Forwarded-For", parts[i]});
    spelt += parts[i];
    spelt += '\n';
  }
  const ClientAddress outsider = *ClientAddress::parse("198.51.100.1");
  check(proxies().clientOf(outsider, request) == outsider, "an untrusted peer is its own client");
  const ClientAddress proxy = *ClientAddress::parse(input.control(0) & 1 ? "10.1.2.3" : "2001:db8::7");
  const ClientAddress client = proxies().clientOf(proxy, request);
  if (client != proxy) {
    // Printed back, the address need not match how it was spelt (case, zeros, brackets),
    // but it must parse from some text the headers hold.
    check(!spelt.empty(), "a client other than the peer comes from a header");
  }
  return 0;
}
