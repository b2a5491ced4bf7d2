#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/StreamSocket.h>

#include <memory>
#include <string>

#include "route_context.h"
#include "websocket_connection.h"

namespace spread::plugins::websocket {

/// GET /subscribe[?topic=T]: the WebSocket upgrade. Refuses with a JSON body: 503 while
/// draining, 400 for a bad topic name or Sec-WebSocket-Key, 426 (with "Upgrade:
/// websocket") for a plain GET or another protocol version. Otherwise answers 101, takes
/// the socket out of the HTTP server, and hands it with a new Session to an I/O loop; the
/// pool thread returns at once, so subscribers never hold one.
class SubscribeHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit SubscribeHandler(RouteContext& context) : context_(context) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  RouteContext& context_;
};

/// A WebSocket on `socket`, whose upgrade has been answered: made non-blocking, bound to a
/// new Session on `topic` (started on its strand), ready for `loop` to adopt. `early`:
/// bytes the client sent after its upgrade request, read along with it.
std::shared_ptr<WebSocketConnection> makeWebSocket(RouteContext& context, Poco::Net::StreamSocket socket,
                                                   std::string early, IoLoop& loop, std::string topic);

}  // namespace spread::plugins::websocket
