#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "spread/core/codec.h"
#include "spread/core/handler_subscriber.h"
#include "spread/core/queue_subscriber.h"
#include "spread/core/topic.h"

namespace spread::core {

/// A typed front over a Topic, like Go's Topic[T]: only T can be published, and handlers
/// receive const T&. Each value is encoded once, at publish, and the typed value travels
/// with the bytes, so handlers do not decode; a message published as raw bytes by someone
/// else is decoded with the codec, and one that fails to decode is skipped.
template <class T, class Codec = CodecFor<T>>
class TypedTopic {
 public:
  using Handler = std::function<void(const T&)>;

  explicit TypedTopic(std::shared_ptr<Topic> topic) : topic_(std::move(topic)) {}

  [[nodiscard]] PublishOutcome tryPublish(const T& value) {
    return topic_->tryPublish(encode(value));
  }
  void publish(const T& value, Duration waitMax, PublishCallback done) {
    topic_->publish(encode(value), waitMax, std::move(done));
  }

  /// A handler run during fan-out.
  SubscribeResult subscribe(Handler handler, CloseHandler onClose = {}) {
    return topic_->subscribe(std::make_shared<HandlerSubscriber>(adapt(std::move(handler)),
                                                                 std::move(onClose)));
  }

  /// A handler run on `executor`, off the fan-out path.
  SubscribeResult subscribeAsync(Executor& executor, Handler handler, CloseHandler onClose = {},
                                 std::size_t backlogMax = 1024) {
    return topic_->subscribe(AsyncHandlerSubscriber::create(executor, adapt(std::move(handler)),
                                                            std::move(onClose), backlogMax));
  }

  Topic& topic() const { return *topic_; }

  static Payload encode(const T& value) { return Payload::typed<T>(Codec::encode(value), value); }

 private:
  static MessageHandler adapt(Handler handler) {
    return [handler = std::move(handler)](const MessagePtr& message) {
      if (const T* value = message->as<T>()) {
        handler(*value);
        return;
      }
      Decoded<T> decoded = Codec::decode(message->bytes());
      if (decoded.ok()) handler(decoded.value());
    };
  }

  std::shared_ptr<Topic> topic_;
};

}  // namespace spread::core
