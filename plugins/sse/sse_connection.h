#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "live_sessions.h"
#include "spread/core/executor.h"
#include "spread/transport/connection.h"
#include "spread/transport/session.h"
#include "spread/transport/stream_endpoint.h"

namespace spread::plugins::sse {

/// One EventSource client: a transport::Connection written as an event stream on the sink
/// the HTTP server gave, and the listener that tells its Session what the sink sees.
///  - a message: `id: EPOCH-OFFSET` (when the topic keeps history) and its JSON as `data:`;
///    the JSON's bytes are shared with every other subscriber, not copied;
///  - a text the session composed ({"resume":…}, {"error":…}): an event named after its
///    first key (`event: resume`, `event: error`);
///  - ping(): a comment line, which EventSource ignores but which keeps proxies and the
///    connection's liveness going;
///  - close(code, reason): `event: close` with {"code":…,"reason":…}, then the end of the body.
///
/// An SSE client never writes, so it is "heard" when its side of the socket takes what was
/// written (StreamListener::onDrained): the session's idle timeout then ends a client whose
/// socket stops taking bytes, not one that merely has nothing to say.
class SseConnection final : public transport::Connection,
                            public transport::StreamListener,
                            public std::enable_shared_from_this<SseConnection> {
 public:
  SseConnection(std::shared_ptr<transport::StreamSink> sink, core::Executor& executor, LiveSessions& live);
  ~SseConnection() override;

  /// The session this connection feeds; held until the sink reports the client gone.
  void bind(std::shared_ptr<transport::Session> session);

  // transport::Connection, from executor threads (and the opening thread).
  void send(std::span<const core::MessagePtr> messages) override;
  void sendText(std::string text) override;
  void ping() override;
  void close(transport::CloseCode code, std::string_view reason) override;
  std::size_t bytesQueued() const override { return sink_->bytesQueued(); }
  void holdReading(bool) override {}  // nothing is read from an SSE client

  // transport::StreamListener, from the HTTP server's I/O thread.
  void onDrained() override;
  void onGone() override;

 private:
  std::shared_ptr<transport::Session> session() const;

  const std::shared_ptr<transport::StreamSink> sink_;
  core::Executor& executor_;
  LiveSessions& live_;
  mutable std::mutex mutex_;
  std::shared_ptr<transport::Session> session_;
  std::atomic<bool> closed_{false};
};

/// The event a text the session composed goes out as: its first JSON key ("resume",
/// "error", "token"), or "message" if it has none.
std::string eventNameOf(std::string_view json);

}  // namespace spread::plugins::sse
