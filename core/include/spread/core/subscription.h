#pragma once

#include <memory>
#include <utility>

namespace spread::core {

/// Implemented by the core; users hold it only through SubscriptionHandle.
class SubscriptionControl {
 public:
  virtual ~SubscriptionControl() = default;
  virtual bool unsubscribe() = 0;
  virtual bool active() const = 0;
};

/// Ends one subscription. Safe to use at any time, from any thread, any number of times,
/// and after the topic or broker closed: only the first call that finds the subscription
/// active ends it (the subscriber then gets close(kUnsubscribed)); every other call is a
/// no-op that returns false. A default-constructed handle refers to nothing.
///
/// Copies refer to the same subscription. Dropping every copy does not unsubscribe.
class SubscriptionHandle {
 public:
  SubscriptionHandle() = default;
  explicit SubscriptionHandle(std::shared_ptr<SubscriptionControl> control)
      : control_(std::move(control)) {}

  /// Returns true if this call ended the subscription. After it returns, no delivery to
  /// the subscriber starts (one already running on another thread finishes first).
  bool unsubscribe() const { return control_ != nullptr && control_->unsubscribe(); }
  bool active() const { return control_ != nullptr && control_->active(); }

 private:
  std::shared_ptr<SubscriptionControl> control_;
};

}  // namespace spread::core
