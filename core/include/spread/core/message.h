#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>

#include "spread/core/time.h"

namespace spread::core {

/// What a publisher hands to a topic: the encoded bytes every transport sends, plus,
/// optionally, the typed value they were encoded from so typed subscribers need not decode.
struct Payload {
  std::string bytes;
  std::shared_ptr<const void> value;       // null for raw byte payloads
  const std::type_info* valueType = nullptr;

  static Payload raw(std::string bytes) { return Payload{std::move(bytes), nullptr, nullptr}; }
  template <class T>
  static Payload typed(std::string bytes, T value) {
    return Payload{std::move(bytes), std::make_shared<const T>(std::move(value)), &typeid(T)};
  }
};

/// One accepted message. Created once per publish and shared, immutable and
/// reference-counted, by every subscriber queue it fans out to: no per-subscriber copy.
class Message {
 public:
  Message(std::uint64_t sequence, TimePoint acceptedAt, Payload payload)
      : Message(sequence, sequence, acceptedAt, std::move(payload)) {}
  Message(std::uint64_t sequence, std::uint64_t offset, TimePoint acceptedAt, Payload payload)
      : sequence_(sequence), offset_(offset), acceptedAt_(acceptedAt), payload_(std::move(payload)) {}

  /// Position in its topic's fan-out order on this node, starting at 1 and gap-free.
  std::uint64_t sequence() const { return sequence_; }
  /// Position in its topic's log, as subscribers see it (SubscribeFrom, stamped positions):
  /// the sequence itself for a topic that numbers what it accepts; a cluster log's offset
  /// for a fed topic (TopicFeed), which may jump, and starts over with a new epoch.
  std::uint64_t offset() const { return offset_; }
  /// When the topic accepted it, on the broker's Clock.
  TimePoint acceptedAt() const { return acceptedAt_; }
  const std::string& bytes() const { return payload_.bytes; }

  /// The typed value, if the publisher supplied one of type T; otherwise null.
  template <class T>
  const T* as() const {
    if (payload_.valueType == nullptr || *payload_.valueType != typeid(T)) return nullptr;
    return static_cast<const T*>(payload_.value.get());
  }

 private:
  std::uint64_t sequence_;
  std::uint64_t offset_;
  TimePoint acceptedAt_;
  Payload payload_;
};

using MessagePtr = std::shared_ptr<const Message>;

}  // namespace spread::core
