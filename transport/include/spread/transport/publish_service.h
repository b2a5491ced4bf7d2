#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "spread/core/engine.h"
#include "spread/core/in_process_engine.h"
#include "spread/core/time.h"
#include "spread/core/topic_registry.h"
#include "spread/transport/metrics.h"

namespace spread::transport {

/// {"error":"…"} or {"error":"…","field":"…"}: how every transport reports a refusal.
std::string errorJson(std::string_view error, std::string_view field = {});

/// What became of one publish request, in terms every transport can report.
struct PublishResult {
  enum class Status { kAccepted, kBadRequest, kBadTopic, kUnauthorized, kForbidden, kBusy, kDraining, kUnavailable };
  Status status = Status::kAccepted;
  std::string error;  // a sentence naming the problem; empty when accepted
  std::string field;  // the offending JSON field, when there is one

  bool ok() const { return status == Status::kAccepted; }
  /// 204, 400 (bad request or topic), 401 (no valid token), 403 (a name or topic the
  /// token does not allow) or 503 (busy, draining, the topic closed, or the engine unavailable).
  int httpStatus() const;
  /// {"error":"…","field":"…"}: the body of an HTTP error and of a WebSocket error frame.
  std::string errorJson() const;
};

using PublishDone = std::function<void(PublishResult)>;

/// The publish path shared by every transport: decode a chat message, validate the topic
/// name, find the topic, publish with a bounded wait. Encoding happens here, once per message.
///
/// A publish never creates a topic (subscribing does): a publish to a topic that does not
/// exist has no subscriber to reach, so it is accepted and dropped (204, counted as
/// published) and takes none of the broker's topicsMax places; so a publish is never refused
/// for the topic limit.
///
/// Call beginDrain() before shutting the broker down, as the daemon does: a broker that shut
/// down finds no topic, so a publish that got past the drain check would be dropped as unheard.
///
/// Thread-safe. `done` runs exactly once: inline when the outcome is known at once (the
/// usual case), otherwise later on the broker's executor.
class PublishService {
 public:
  /// `nameBytesMax`: the longest `name` accepted, in bytes (longer: 400 naming the field).
  PublishService(core::TopicRegistry& broker, Metrics& metrics, core::Duration waitMax,
                 std::string defaultTopic, std::size_t nameBytesMax = 64);
  /// The same, publishing through `engine` (a cluster's) instead of straight to `broker`'s
  /// topics. `engine` must outlive the service.
  PublishService(core::Engine& engine, core::TopicRegistry& broker, Metrics& metrics, core::Duration waitMax,
                 std::string defaultTopic, std::size_t nameBytesMax = 64);

  /// An empty `topic` means the default topic. A publish that finds no room waits up to
  /// the service's waitMax.
  void publish(std::string_view topic, std::string_view body, PublishDone done);
  /// The same, waiting up to `waitMax` instead: what is left of a deadline the caller set
  /// when the message arrived (zero: refused at once if there is no room).
  void publish(std::string_view topic, std::string_view body, core::Duration waitMax, PublishDone done);
  /// The same for a publisher whose name a verified token gives (`author`, never empty):
  /// a message without "name" gets `author`, one with another name is refused (kForbidden).
  void publishAs(std::string_view author, std::string_view topic, std::string_view body, core::Duration waitMax,
                 PublishDone done);
  core::Duration waitMax() const { return waitMax_; }

  /// The server is shutting down, for good: publishes are refused (kDraining), and every
  /// transport on this publish path refuses new subscriptions too. This is the server's one
  /// draining state; Transport::beginDrain() sets it as well.
  void beginDrain() { draining_.store(true); }
  bool draining() const { return draining_.load(); }
  const std::string& defaultTopic() const { return defaultTopic_; }
  /// What publishes go through; its health() is the server's (GET /healthz).
  core::Engine& engine() const { return engine_; }

 private:
  core::InProcessEngine inProcess_;  // the engine when none is given
  core::Engine& engine_;
  Metrics& metrics_;
  const core::Duration waitMax_;
  const std::string defaultTopic_;
  const std::size_t nameBytesMax_;
  std::atomic<bool> draining_{false};
};

}  // namespace spread::transport
