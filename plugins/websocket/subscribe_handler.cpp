#include "subscribe_handler.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerSession.h>

#include "handshake.h"
#include "json_reply.h"
#include "topic_query.h"

namespace spread::plugins::websocket {

using transport::Rejection;

void SubscribeHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
  transport::Metrics& metrics = context_.transport.metrics;
  if (context_.isDraining()) return refuse(metrics, response, Rejection::kDraining, 503, "the server is shutting down");
  TopicQuery query = readTopic(request, context_.transport.publisher.defaultTopic());
  if (query.error) return refuse(metrics, response, Rejection::kBadTopic, 400, *query.error, "topic");
  if (!asksForWebSocket(request)) {
    response.set("Upgrade", "websocket");
    return refuse(metrics, response, Rejection::kUpgradeRequired, 426,
                  "GET /subscribe needs a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)", "Upgrade");
  }
  // A client that asked for a WebSocket has no use for this connection once refused.
  response.setKeepAlive(false);
  if (request.get("Sec-WebSocket-Version", "") != "13") {
    response.set("Upgrade", "websocket");
    response.set("Sec-WebSocket-Version", "13");
    return refuse(metrics, response, Rejection::kUpgradeRequired, 426, "only WebSocket version 13 is supported",
                  "Sec-WebSocket-Version");
  }
  const std::optional<std::string> accept = acceptFor(request.get("Sec-WebSocket-Key", ""));
  if (!accept) {
    return refuse(metrics, response, Rejection::kBadRequest, 400,
                  "Sec-WebSocket-Key must be the base64 encoding of 16 bytes", "Sec-WebSocket-Key");
  }

  response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_SWITCHING_PROTOCOLS);
  response.set("Upgrade", "websocket");
  response.set("Connection", "Upgrade");
  response.set("Sec-WebSocket-Accept", *accept);
  response.setContentLength(Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH);
  response.send().flush();

  // From here the socket is ours; the HTTP server forgets it when this handler returns.
  auto& requestImpl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
  Poco::Net::StreamSocket socket = requestImpl.detachSocket();
  Poco::Buffer<char> early(0);
  requestImpl.session().drainBuffer(early);  // frames the client sent right after its request
  socket.setBlocking(false);
  socket.setNoDelay(true);

  IoLoop& loop = context_.loops.next();
  auto strand = std::make_shared<Strand>(context_.transport.executor, context_.tasks);
  auto connection = std::make_shared<WebSocketConnection>(socket, std::string(early.begin(), early.size()), loop,
                                                          std::move(strand), context_.connections);
  connection->startSession(transport::Session::create(context_.sessions, connection, std::move(query.topic)));
  loop.adopt(std::move(connection));
}

}  // namespace spread::plugins::websocket
