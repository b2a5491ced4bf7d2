#include "http_routes.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <memory>

#include "http_answer.h"
#include "json_reply.h"
#include "publish_handler.h"
#include "subscribe_handler.h"
#include "topic_query.h"

namespace spread::plugins::websocket {

namespace {

using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using transport::Rejection;

using Respond = std::function<void(HTTPServerRequest&, HTTPServerResponse&)>;

class FunctionHandler final : public HTTPRequestHandler {
 public:
  explicit FunctionHandler(Respond respond) : respond_(std::move(respond)) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override { respond_(request, response); }

 private:
  Respond respond_;
};

// Keeps exceptions on the pool thread's side of the handler boundary.
class GuardedHandler final : public HTTPRequestHandler {
 public:
  explicit GuardedHandler(std::unique_ptr<HTTPRequestHandler> inner) : inner_(std::move(inner)) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    try {
      inner_->handleRequest(request, response);
    } catch (const std::exception& error) {
      if (response.sent()) return;
      try {
        response.setKeepAlive(false);
        sendJson(response, 500, errorJson(std::string("internal error: ") + error.what()));
      } catch (...) {
        // The client is gone; there is nobody left to tell.
      }
    } catch (...) {
      // As above, for exceptions that are not std::exception.
    }
  }

 private:
  std::unique_ptr<HTTPRequestHandler> inner_;
};

HTTPRequestHandler* guarded(std::unique_ptr<HTTPRequestHandler> inner) {
  return new GuardedHandler(std::move(inner));
}

// These routes never read a body: one left unread would be taken for the next request,
// so a request that carries one ends its connection with the answer.
void endIfBodyUnread(const HTTPServerRequest& request, HTTPServerResponse& response) {
  const bool hasBody = request.getChunkedTransferEncoding() ||
                       (request.hasContentLength() && request.getContentLength64() > 0);
  if (hasBody) response.setKeepAlive(false);
}

HTTPRequestHandler* respond(Respond respond) { return guarded(std::make_unique<FunctionHandler>(std::move(respond))); }

}  // namespace

HTTPRequestHandler* RouteFactory::createRequestHandler(const HTTPServerRequest& request) {
  transport::Metrics& metrics = context_.transport.metrics;
  TargetPath target = readPath(request.getURI());
  if (target.error) {
    return respond([&metrics, problem = *target.error](HTTPServerRequest& request, HTTPServerResponse& response) {
      endIfBodyUnread(request, response);
      refuse(metrics, response, Rejection::kBadRequest, 400, problem, "path");
    });
  }
  const std::string& path = target.path;
  const std::string& method = request.getMethod();
  if (path == "/publish" && method == "POST") return guarded(std::make_unique<PublishHandler>(context_));
  if (path == "/subscribe" && method == "GET") return guarded(std::make_unique<SubscribeHandler>(context_));
  return respond([this, method, path](HTTPServerRequest& request, HTTPServerResponse& response) {
    endIfBodyUnread(request, response);
    sendAnswer(response, answerPlainRequest(context_, method, path));
  });
}

}  // namespace spread::plugins::websocket
