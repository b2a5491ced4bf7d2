#include "subscribe_handler.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerSession.h>

#include "json_reply.h"
#include "upgrade_decision.h"

namespace spread::plugins::websocket {

void SubscribeHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
  UpgradeDecision decision = decideUpgrade(context_, request.getURI(), [&request](std::string_view name) {
    return request.get(std::string(name), "");
  });
  if (decision.refusal) return sendAnswer(response, *decision.refusal);

  response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_SWITCHING_PROTOCOLS);
  response.set("Upgrade", "websocket");
  response.set("Connection", "Upgrade");
  response.set("Sec-WebSocket-Accept", decision.accept);
  response.setContentLength(Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH);
  response.send().flush();

  // From here the socket is ours; the HTTP server forgets it when this handler returns.
  auto& requestImpl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
  Poco::Net::StreamSocket socket = requestImpl.detachSocket();
  Poco::Buffer<char> early(0);
  requestImpl.session().drainBuffer(early);  // frames the client sent right after its request

  IoLoop& loop = context_.loops.next();
  std::string earlyBytes(early.begin(), early.size());
  loop.adopt(makeWebSocket(context_, socket, std::move(earlyBytes), loop, std::move(decision.topic)));
}

std::shared_ptr<WebSocketConnection> makeWebSocket(RouteContext& context, Poco::Net::StreamSocket socket,
                                                   std::string early, IoLoop& loop, std::string topic) {
  socket.setBlocking(false);
  socket.setNoDelay(true);
  auto strand = std::make_shared<Strand>(context.transport.executor, context.tasks);
  auto connection =
      std::make_shared<WebSocketConnection>(socket, std::move(early), loop, std::move(strand), context.connections);
  connection->startSession(transport::Session::create(context.sessions, connection, std::move(topic)));
  return connection;
}

}  // namespace spread::plugins::websocket
