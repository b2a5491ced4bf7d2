#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spread/core/message.h"
#include "spread/core/subscribe_from.h"
#include "spread/transport/auth/grant.h"

namespace spread::transport {

/// A long-lived response body that the plugin serving HTTP writes for another plugin's
/// endpoint (GET /events, say). The server owns the socket and its limits; the endpoint
/// only hands it bytes. Thread-safe; no method blocks or calls back into the endpoint.
class StreamSink {
 public:
  virtual ~StreamSink() = default;

  /// Queues `bytes` as the next piece of the body.
  virtual void write(std::string bytes) = 0;
  /// Queues `prefix`, the message's bytes (shared, not copied), then `suffix`, as one piece.
  virtual void write(std::string prefix, core::MessagePtr message, std::string_view suffix) = 0;
  /// Body bytes queued and not yet written to the socket.
  virtual std::size_t bytesQueued() const = 0;
  /// Ends the body once everything queued has been written, then the connection. Idempotent.
  virtual void close() = 0;
};

/// What an endpoint hears about its sink. Called on the server's I/O thread: implementations
/// post the work elsewhere and return.
class StreamListener {
 public:
  virtual ~StreamListener() = default;
  /// Everything queued so far has been written: the peer's side of the socket is taking bytes.
  virtual void onDrained() = 0;
  /// The peer hung up, the socket failed, or the server closed it (close(), shutdown). The
  /// last call; the sink accepts and discards writes from now on.
  virtual void onGone() = 0;
};

/// One request for a stream, already admitted by the server as it admits GET /subscribe:
/// not draining, Origin allowed, `topic` valid, the token (if tokens are in use) allowing a
/// subscription to it, `since`+`epoch` or `last` in the query well formed (400 otherwise).
struct StreamRequest {
  std::string_view target;  // as sent, with its query
  /// A request header's value by name (case-insensitive), or null. Valid during open() only,
  /// as is `target`.
  std::function<const std::string*(std::string_view)> header;
  std::string clientAddress;
  std::string topic;
  std::unique_ptr<auth::Grant> grant;  // null when tokens are not in use
  core::SubscribeFrom from;            // ?since=&epoch= or ?last=, as GET /subscribe reads them
};

/// The endpoint's answer: a refusal (status other than 200, with a JSON body), or acceptance
/// with the headers to send and the listener the sink reports to. The server adds the
/// framing headers (Transfer-Encoding) itself.
struct StreamOpening {
  int status = 200;
  std::string errorJson;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<StreamListener> listener;

  bool accepted() const { return status == 200; }
  static StreamOpening refuse(int status, std::string json) {
    StreamOpening opening;
    opening.status = status;
    opening.errorJson = std::move(json);
    return opening;
  }
};

/// A streaming GET endpoint a plugin offers to whichever plugin serves HTTP.
class StreamEndpoint {
 public:
  virtual ~StreamEndpoint() = default;
  /// The exact path served, e.g. "/events".
  virtual std::string_view path() const = 0;
  /// Called on the server's I/O thread for each admitted request. On acceptance the sink
  /// may be written at once: what is written goes out after the response head. Must not throw.
  virtual StreamOpening open(StreamRequest request, std::shared_ptr<StreamSink> sink) = 0;
};

/// The daemon's registry of stream endpoints (TransportContext::streams). Plugins add theirs
/// in start() and remove them in stop(); the HTTP server looks a path up per request.
/// Thread-safe.
class StreamEndpoints {
 public:
  /// False if another endpoint already serves that path.
  bool add(std::shared_ptr<StreamEndpoint> endpoint);
  void remove(std::string_view path);
  std::shared_ptr<StreamEndpoint> find(std::string_view path) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<StreamEndpoint>> endpoints_;
};

}  // namespace spread::transport
