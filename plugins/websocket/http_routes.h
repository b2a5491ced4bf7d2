#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "route_context.h"

namespace spread::plugins::websocket {

/// Maps each request to its handler:
///   GET /            the chat page        GET /healthz   200 serving, 503 draining
///   POST /publish    PublishHandler       GET /metrics   Prometheus text
///   GET /subscribe   SubscribeHandler
/// Anything else is a JSON 404, or a 405 with an Allow header for a known path. Every
/// handler is wrapped so that no exception leaves a pool thread: one that escapes becomes
/// a JSON 500 if nothing was sent yet.
class RouteFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RouteFactory(RouteContext& context) : context_(context) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

 private:
  RouteContext& context_;
};

}  // namespace spread::plugins::websocket
