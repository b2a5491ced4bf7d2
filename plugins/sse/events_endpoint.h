#pragma once

#include <chrono>
#include <memory>

#include "live_sessions.h"
#include "spread/transport/stream_endpoint.h"
#include "spread/transport/transport.h"

namespace spread::plugins::sse {

/// GET /events?topic=T: the topic's messages as a text/event-stream, for clients that cannot
/// open a WebSocket. Admission (origin, topic, since/epoch/last, token) is the HTTP server's,
/// as for /subscribe; this adds the Last-Event-ID header, which wins over the query because
/// a browser reconnects with the URL it started with: a malformed one is a 400 naming
/// Last-Event-ID. Each accepted request runs a transport::Session, so the queue bounds,
/// slow-consumer drop, token expiry and shutdown are WebSocket's.
class EventsEndpoint final : public transport::StreamEndpoint {
 public:
  static constexpr std::string_view kPath = "/events";

  /// `retry`: the reconnection delay sent first (`retry:`), so browsers come back at a
  /// bounded pace.
  EventsEndpoint(transport::TransportContext& context, std::chrono::milliseconds retry, LiveSessions& live)
      : context_(context), retry_(retry), live_(live) {}

  std::string_view path() const override { return kPath; }
  transport::StreamOpening open(transport::StreamRequest request, std::shared_ptr<transport::StreamSink> sink) override;

 private:
  transport::TransportContext& context_;
  const std::chrono::milliseconds retry_;
  LiveSessions& live_;
};

}  // namespace spread::plugins::sse
