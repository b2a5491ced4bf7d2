#include "client_intake.h"

namespace spread::plugins::websocket {

namespace {

using transport::Limit;
using transport::Rejection;

// Refused connections being answered at once; beyond this they are closed unanswered.
constexpr std::int64_t kRefusingMax = 1024;

}  // namespace

ClientIntake::ClientIntake(ServingContext& context)
    : context_(context), refusing_(std::make_shared<std::atomic<std::int64_t>>(0)) {}

void ClientIntake::admit(Network& network, int handle, const ClientAddress& peer) {
  transport::Metrics& metrics = context_.transport.metrics;
  const WebSocketConfig& config = context_.config();
  // A trusted proxy's connection carries many clients; each request says which one.
  const bool countPeer = !config.trustedProxies.trusts(peer);
  ClientLimits::Slot slot;
  const ClientLimits::Refusal refusal = context_.clients.admit(peer, countPeer, slot);
  std::optional<HttpAnswer> answer;
  if (refusal != ClientLimits::Refusal::kNone) {
    const bool total = refusal == ClientLimits::Refusal::kConnectionsMax;
    const std::size_t limit = total ? config.clients.connectionsMax : config.clients.connectionsPerAddressMax;
    // Where the client must speak first (TLS), an answer would cost a whole handshake: a
    // flood would then be refused at the server's expense.
    if (refusing_->load() >= kRefusingMax || !network.writesBeforeFirstRead()) {
      metrics.rejected(Rejection::kTooManyConnections);
      metrics.limitRefused(total ? Limit::kConnectionsMax : Limit::kConnectionsPerAddressMax);
      network.close(handle);
      return;
    }
    answer = HttpAnswer::limitRefusal(
        metrics, Rejection::kTooManyConnections, total ? Limit::kConnectionsMax : Limit::kConnectionsPerAddressMax,
        503,
        total ? "too many connections to this server; the limit is " + std::to_string(limit)
              : "too many connections from " + peer.toString() + "; the limit is " + std::to_string(limit));
    answer->headers.emplace_back("Retry-After", "1");
  }
  Loop& loop = context_.loops.next();
  ClientSocket socket(network, handle, peer, std::move(slot));
  auto connection =
      std::make_shared<HttpConnection>(std::move(socket), loop, context_, httpOptionsFor(config), std::move(answer));
  if (refusal != ClientLimits::Refusal::kNone) {
    // Counted until the refused connection is gone: the token goes with it.
    refusing_->fetch_add(1);
    connection->holdUntilClosed(
        std::shared_ptr<void>(nullptr, [refusing = refusing_](void*) { refusing->fetch_sub(1); }));
  }
  loop.adopt(std::move(connection));
}

}  // namespace spread::plugins::websocket
