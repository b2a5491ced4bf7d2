#include "events_endpoint.h"

#include "event_stream.h"
#include "sse_connection.h"
#include "spread/transport/publish_service.h"
#include "spread/transport/session.h"

namespace spread::plugins::sse {

transport::StreamOpening EventsEndpoint::open(transport::StreamRequest request,
                                              std::shared_ptr<transport::StreamSink> sink) {
  core::SubscribeFrom from = request.from;
  if (const std::string* lastEventId = request.header("Last-Event-ID"); lastEventId != nullptr && !lastEventId->empty()) {
    const LastEventId last = readLastEventId(*lastEventId);
    if (last.error) return transport::StreamOpening::refuse(400, transport::errorJson(*last.error, "Last-Event-ID"));
    from = core::SubscribeFrom::after(last.position->offset, last.position->epoch);
  }
  auto connection = std::make_shared<SseConnection>(sink, context_.executor, live_);
  // First, so that a browser that loses this stream at once still knows how long to wait.
  sink->write("retry: " + std::to_string(retry_.count()) + "\n\n");
  auto session = transport::Session::create(context_, connection, std::move(request.topic), std::move(request.grant),
                                            from);
  connection->bind(session);
  // Subscribed before the response head goes out, as a WebSocket is before its 101.
  session->start();

  transport::StreamOpening opening;
  opening.headers = {{"Content-Type", "text/event-stream; charset=utf-8"},
                     {"Cache-Control", "no-store"},
                     {"X-Accel-Buffering", "no"},
                     {"Connection", "keep-alive"}};
  opening.listener = std::move(connection);
  return opening;
}

}  // namespace spread::plugins::sse
