#include "http_routes.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <functional>
#include <memory>

#include "chat_page.h"
#include "json_reply.h"
#include "publish_handler.h"
#include "subscribe_handler.h"

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

HTTPRequestHandler* respond(Respond respond) { return guarded(std::make_unique<FunctionHandler>(std::move(respond))); }

}  // namespace

HTTPRequestHandler* RouteFactory::createRequestHandler(const HTTPServerRequest& request) {
  transport::Metrics& metrics = context_.transport.metrics;
  std::string path;
  try {
    path = Poco::URI(request.getURI()).getPath();
  } catch (const Poco::Exception& error) {
    return respond([&metrics, problem = error.message()](HTTPServerRequest&, HTTPServerResponse& response) {
      refuse(metrics, response, Rejection::kBadRequest, 400, "malformed request target: " + problem, "path");
    });
  }
  const std::string& method = request.getMethod();
  auto only = [&](const char* allowed) -> HTTPRequestHandler* {
    return respond([&metrics, allowed, method, path](HTTPServerRequest&, HTTPServerResponse& response) {
      response.set("Allow", allowed);
      refuse(metrics, response, Rejection::kMethodNotAllowed, 405,
             "method " + method + " is not allowed on " + path + "; use " + allowed, "method");
    });
  };

  if (path == "/publish") {
    if (method != "POST") return only("POST");
    return guarded(std::make_unique<PublishHandler>(context_));
  }
  if (path == "/subscribe") {
    if (method != "GET") return only("GET");
    return guarded(std::make_unique<SubscribeHandler>(context_));
  }
  if (path == "/") {
    if (method != "GET") return only("GET");
    return respond([](HTTPServerRequest&, HTTPServerResponse& response) {
      response.setContentType("text/html; charset=utf-8");
      response.set("Cache-Control", "no-cache");
      const std::string_view page = chatPage();
      response.sendBuffer(page.data(), page.size());
    });
  }
  if (path == "/healthz") {
    if (method != "GET") return only("GET");
    return respond([this](HTTPServerRequest&, HTTPServerResponse& response) {
      if (context_.isDraining()) return sendJson(response, 503, R"({"status":"draining"})");
      sendJson(response, 200, R"({"status":"serving"})");
    });
  }
  if (path == "/metrics") {
    if (method != "GET") return only("GET");
    return respond([this](HTTPServerRequest&, HTTPServerResponse& response) {
      const std::string text = context_.transport.metrics.renderPrometheus(context_.transport.broker);
      response.setContentType("text/plain; version=0.0.4");
      response.sendBuffer(text.data(), text.size());
    });
  }
  return respond([&metrics, path](HTTPServerRequest&, HTTPServerResponse& response) {
    refuse(metrics, response, Rejection::kNotFound, 404, "no such path: " + path, "path");
  });
}

}  // namespace spread::plugins::websocket
