#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spread::client {

/// Where a Publisher sends and how long it waits. Every duration must be positive.
struct PublisherOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  /// Sent as `Authorization: Bearer <token>` when not empty (for a server with auth.mode = jwt).
  std::string token;
  std::chrono::milliseconds connectTimeout{3000};
  /// How long each write of the request, and each read of the answer, may wait.
  std::chrono::milliseconds requestTimeout{5000};
  /// A kept-alive connection idle longer than this is replaced before the next request instead
  /// of reused. Keep it below the server's transport.websocket.httpIdleTimeoutMs (30 s by
  /// default), so that the server is not closing the connection while a request travels.
  std::chrono::milliseconds keepAliveIdleMax{20000};
};

/// How one publish ended. A refusal by the server is a value, not an exception.
struct PublishResult {
  /// The HTTP status (204: published); 0 when no answer came, and `error` says why.
  int status = 0;
  /// The server's JSON reason (its "error" member; the start of the body if that is not JSON),
  /// or the network failure when status is 0. Empty on success.
  std::string error;
  /// The request part the server named (its "field" member, such as "msg"), if it named one.
  std::string field;
  /// The server's Retry-After (on 429 and 503), when it sent one in seconds.
  std::optional<std::chrono::seconds> retryAfter;

  bool ok() const { return status == 204; }
  bool answered() const { return status != 0; }
};

/// Publishes chat messages ({"name","msg"}) to a spreadd over one HTTP/1.1 keep-alive
/// connection, opened on the first publish. A connection the server has closed (idle, after
/// a refusal, or because the server restarted) is replaced on the next publish without the
/// caller noticing.
///
/// Thread-safety: every method may be called from any thread; publishes are serialized by an
/// internal lock, one request at a time on the one connection. For parallel publishing, use one
/// Publisher per thread.
///
/// Delivery: a publish that fails to reach the server is not repeated, with one exception: when
/// a reused connection turns out to have been closed by the server (no answer byte came), the
/// request is sent once more on a new connection. In the rare case that the server took the
/// message and closed before answering, it is then published twice.
class Publisher {
 public:
  /// Throws std::invalid_argument naming the option if `options` is unusable (an empty host,
  /// port 0, a duration that is not positive). Connects nothing yet.
  explicit Publisher(PublisherOptions options);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  /// POSTs {"name": name, "msg": msg} to /publish[?topic=topic] and waits for the answer. Each
  /// step is bounded: the connect by connectTimeout, each write and each read of the socket by
  /// requestTimeout (so an answer trickling in byte by byte could take longer in all). An
  /// empty `name` is left out of the body: with a token, the server takes the token's subject;
  /// without one, it answers 400. An empty `topic` means the server's default topic.
  /// Never throws for a refusal or a network failure: see PublishResult.
  [[nodiscard]] PublishResult publish(std::string_view name, std::string_view msg, std::string_view topic = {});

  /// Replaces the token sent with the following publishes (empty: none).
  void setToken(std::string token);

 private:
  class Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace spread::client
