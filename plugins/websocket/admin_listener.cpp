#include "admin_listener.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <exception>

#include "admin_routes.h"
#include "spread/transport/publish_service.h"

namespace spread::plugins::websocket {

namespace {

// A body no route reads is still read, up to this much, before the answer: closing a socket
// with unread bytes sends a reset, which can destroy the answer before the client reads it.
constexpr std::streamsize kUnreadBodyBytesMax = 64 * 1024;

class AdminRequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit AdminRequestHandler(transport::TransportContext& context) : context_(context) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    // No exception may leave a Poco handler thread: a failure becomes a 500, and a client
    // that has gone away leaves nothing to answer.
    HttpAnswer answer;
    try {
      answer = answerAdminRequest(context_, request.getMethod(), request.getURI());
    } catch (const std::exception& error) {
      answer = HttpAnswer::json(500, transport::errorJson(std::string("internal error: ") + error.what()));
    }
    try {
      // Without a length or chunks, a body would run to the close: nothing to read then.
      if (request.getChunkedTransferEncoding() || request.hasContentLength()) {
        request.stream().ignore(kUnreadBodyBytesMax);
      }
      response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
      for (const auto& [name, value] : answer.headers) response.set(name, value);
      response.setKeepAlive(false);
      if (!answer.contentType.empty()) response.setContentType(answer.contentType);
      if (request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD) {
        response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
        response.send();
      } else {
        response.sendBuffer(answer.body.data(), answer.body.size());
      }
    } catch (const std::exception&) {
    }
  }

 private:
  transport::TransportContext& context_;
};

class AdminHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit AdminHandlerFactory(transport::TransportContext& context) : context_(context) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new AdminRequestHandler(context_);
  }

 private:
  transport::TransportContext& context_;
};

}  // namespace

AdminListener::AdminListener(transport::TransportContext& context, const std::string& host, std::uint16_t port)
    : threads_("spread-admin", 1, kThreadsMax) {
  Poco::Net::ServerSocket socket;
  // As the main port: SO_REUSEADDR for quick restarts, never SO_REUSEPORT.
  socket.bind(Poco::Net::SocketAddress(host, port), true, false);
  socket.listen(kQueuedMax);
  address_ = socket.address();

  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(kThreadsMax);
  params->setMaxQueued(kQueuedMax);
  params->setTimeout(Poco::Timespan(kIoTimeoutSeconds, 0));
  params->setKeepAlive(false);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new AdminHandlerFactory(context), threads_, socket, params);
  server_->start();
}

AdminListener::~AdminListener() { stop(); }

void AdminListener::stop() {
  if (!server_) return;
  // Aborting the connections in progress shuts their sockets, so a handler blocked on a
  // slow client returns at once rather than at its timeout.
  server_->stopAll(true);
  threads_.joinAll();
  server_.reset();
}

}  // namespace spread::plugins::websocket
