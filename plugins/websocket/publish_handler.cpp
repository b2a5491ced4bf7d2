#include "publish_handler.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerSession.h>

#include <chrono>
#include <future>
#include <istream>
#include <memory>

#include "http_connection.h"
#include "json_reply.h"
#include "topic_query.h"

namespace spread::plugins::websocket {

namespace {

using transport::Rejection;

// How much longer than the publish wait the pool thread waits for an answer before
// reporting the server busy: covers a backlog of executor tasks ahead of the wait's timer.
constexpr std::chrono::seconds kExecutorSlack{5};

// Reads the body, but never more than `limit` + 1 bytes: enough to know it is too large.
std::string readBounded(std::istream& in, std::size_t limit) {
  std::string body;
  char chunk[8192];
  while (body.size() <= limit && in) {
    const std::size_t want = std::min(sizeof chunk, limit + 1 - body.size());
    in.read(chunk, static_cast<std::streamsize>(want));
    body.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (in.gcount() == 0) break;
  }
  return body;
}

// Moves a kept-alive publisher's connection from this pool thread to an I/O loop, which
// answers its next requests itself (HttpConnection): no pool thread parked between them,
// and no thread hand-off per publish.
void handOver(RouteContext& context, Poco::Net::HTTPServerRequest& request) {
  auto& requestImpl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
  Poco::Net::StreamSocket socket = requestImpl.detachSocket();
  Poco::Buffer<char> early(0);
  requestImpl.session().drainBuffer(early);  // the client's next request, if it pipelined
  socket.setBlocking(false);
  socket.setNoDelay(true);
  HttpConnection::Options options;
  options.limits.bodyBytesMax = context.config.bodyBytesMax;
  options.idleTimeout = context.config.httpIdleTimeout;
  options.closeTimeout = context.config.closeTimeout;
  IoLoop& loop = context.loops.next();
  loop.adopt(std::make_shared<HttpConnection>(socket, std::string(early.begin(), early.size()), loop, context,
                                              options));
}

}  // namespace

void PublishHandler::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  transport::TransportContext& transport = context_.transport;
  transport::Metrics& metrics = transport.metrics;
  // A refusal sent before the body was read closes the connection: the unread body must
  // not be taken for the next request.
  if (context_.isDraining()) {
    response.setKeepAlive(false);
    return refuse(metrics, response, Rejection::kDraining, 503, "the server is shutting down");
  }
  TopicQuery query = readTopic(request, transport.publisher.defaultTopic());
  if (query.error) {
    response.setKeepAlive(false);
    return refuse(metrics, response, Rejection::kBadTopic, 400, *query.error, "topic");
  }
  const std::size_t limit = context_.config.bodyBytesMax;
  const std::string tooLarge = "request body exceeds " + std::to_string(limit) + " bytes";
  if (request.hasContentLength() && request.getContentLength64() > static_cast<std::int64_t>(limit)) {
    response.setKeepAlive(false);
    return refuse(metrics, response, Rejection::kTooLarge, 413, tooLarge, "body");
  }
  // HTTP/1.1: a request with neither Content-Length nor chunked encoding has no body
  // (Poco would otherwise read to the end of the connection).
  std::string body;
  if (request.hasContentLength() || request.getChunkedTransferEncoding()) body = readBounded(request.stream(), limit);
  if (body.size() > limit) {
    response.setKeepAlive(false);
    return refuse(metrics, response, Rejection::kTooLarge, 413, tooLarge, "body");
  }

  // The publish path is thread-safe: the answer comes during the call when the topic has
  // room, otherwise from the executor once the publish is admitted or its wait ends.
  auto result = std::make_shared<std::promise<transport::PublishResult>>();
  std::future<transport::PublishResult> answer = result->get_future();
  transport.publisher.publish(query.topic, body, [result](transport::PublishResult outcome) {
    result->set_value(std::move(outcome));
  });
  const auto waitMax = context_.sessions.options.publishWaitMax + kExecutorSlack;
  if (answer.wait_for(waitMax) != std::future_status::ready) {
    return refuse(metrics, response, Rejection::kBusy, 503, "the server did not answer in time; try again shortly");
  }
  const transport::PublishResult outcome = answer.get();
  if (!outcome.ok()) return sendJson(response, outcome.httpStatus(), outcome.errorJson());
  response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
  response.setContentLength(0);
  std::ostream& sent = response.send();
  // A chunked body is left to Poco: its reader may leave the trailer unread.
  if (response.getKeepAlive() && request.hasContentLength()) {
    sent.flush();
    handOver(context_, request);
  }
}

}  // namespace spread::plugins::websocket
