#include "admission/private_access.h"

#include <optional>

namespace spread::plugins::websocket {

PrivateAccess judgePrivateAccess(const TrustedProxies& proxies, const ClientAddress& peer,
                                 const HttpRequest& request) {
  const std::optional<ClientAddress> client = proxies.namedClientOf(peer, request);
  if (!client) return PrivateAccess{PrivateAccess::Verdict::kUnnamed, peer};
  const PrivateAccess::Verdict verdict =
      client->isLoopback() ? PrivateAccess::Verdict::kAllowed : PrivateAccess::Verdict::kNotLoopback;
  return PrivateAccess{verdict, *client};
}

}  // namespace spread::plugins::websocket
