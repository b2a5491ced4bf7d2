#pragma once

#include "admission/client_address.h"
#include "admission/trusted_proxies.h"
#include "http/http_request_parser.h"

namespace spread::plugins::websocket {

/// Whether a request on the public port may read a private endpoint (/metrics, and every
/// admin route) when no admin listener is configured: only clients on this machine may,
/// since /metrics names every topic in use.
struct PrivateAccess {
  enum class Verdict {
    kAllowed,      // the client is loopback
    kNotLoopback,  // the client is elsewhere
    kUnnamed,      // a trusted proxy sent it without saying who the client is
  };
  Verdict verdict = Verdict::kNotLoopback;
  // The client judged; for kUnnamed, the proxy the request came through.
  ClientAddress client;

  bool allowed() const { return verdict == Verdict::kAllowed; }
};

/// Judges the client behind `request`, which arrived on a connection from `peer`. From a
/// trusted proxy the connection always comes from the proxy, so the client judged is the
/// one the proxy names (TrustedProxies::namedClientOf), never the proxy: otherwise a proxy
/// on this machine would make every visitor look local. Pure; safe on any thread.
PrivateAccess judgePrivateAccess(const TrustedProxies& proxies, const ClientAddress& peer,
                                 const HttpRequest& request);

}  // namespace spread::plugins::websocket
