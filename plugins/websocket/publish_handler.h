#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include "route_context.h"

namespace spread::plugins::websocket {

/// POST /publish[?topic=T] with a JSON chat message: 204 once the topic accepted it.
/// Refusals, each a JSON body naming the problem: 503 while draining; 400 for a bad topic
/// name (field "topic") or a bad message (the field PublishService names); 413 for a body
/// over bodyBytesMax, decided from Content-Length when there is one and otherwise by
/// reading no further than one byte past the limit; 503 when the topic stays busy.
/// The pool thread publishes and, when the topic has no room yet, waits for the result
/// with a deadline. After a 204 on a kept-alive connection, the connection moves to an I/O loop,
/// where an HttpConnection serves its later requests.
class PublishHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit PublishHandler(RouteContext& context) : context_(context) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  RouteContext& context_;
};

}  // namespace spread::plugins::websocket
