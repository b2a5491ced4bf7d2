#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/topic.h"

namespace spread::core {

struct TopicLookup {
  enum class Status { kFound, kCreated, kInvalidName, kTooManyTopics, kShuttingDown };
  Status status = Status::kShuttingDown;
  std::shared_ptr<Topic> topic;  // set for kFound and kCreated
  std::string error;             // a sentence naming the problem otherwise
  bool ok() const { return topic != nullptr; }
};

/// The broker as its users see it: named topics created on demand, and freed again once
/// nobody uses them (Broker documents when). A topic is never freed while someone holds the
/// pointer this interface returned, so a holder never sees one name split into two topics.
/// Thread-safe.
class TopicRegistry {
 public:
  virtual ~TopicRegistry() = default;

  /// Returns the topic called `name`, creating it if needed. Refuses an invalid name
  /// (kInvalidName), a new topic beyond the registry's limit (kTooManyTopics), and every
  /// name once shutdown() was called (kShuttingDown); `error` then says why.
  virtual TopicLookup topic(std::string_view name) = 0;

  /// Returns the topic called `name` if it exists; null if it was never created, was freed,
  /// was closed with closeTopic() or the registry shut down. Never creates one.
  virtual std::shared_ptr<Topic> find(std::string_view name) const = 0;

  /// Names of the topics in the registry, sorted (idle ones not yet freed included).
  virtual std::vector<std::string> topicNames() const = 0;

  /// Closes one topic as Topic::close() does and forgets it, so that a later topic(name)
  /// creates a fresh one. Unknown names complete at once.
  virtual void closeTopic(std::string_view name, Duration deadline, CloseCallback done) = 0;

  /// Refuses new topics and closes every topic as Topic::close() does, including topics that
  /// closeTopic() removed and whose close is still in flight. `done` runs exactly once:
  ///  - kCompleted when every one of them has finished closing: from then on no handler of
  ///    any topic runs;
  ///  - kAbandoned likewise, if the executor refused some topic's work (see CloseOutcome);
  ///  - kDeadlineExceeded when `grace` has elapsed first; the closes go on.
  virtual void shutdown(Duration grace, CloseCallback done) = 0;
};

}  // namespace spread::core
