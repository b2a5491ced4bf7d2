#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "websocket_config.h"

namespace spread::plugins::websocket {

/// The transport's configuration as it is now: replaced as a whole by a reload (SIGHUP),
/// read by every loop thread without a lock.
///
/// A reader takes a reference and uses it for one decision (an accept, a request), so a
/// replaced configuration must stay valid: each one is kept until the transport is gone.
/// A reload is an operator's act, so what that keeps is bounded by their SIGHUPs, a few
/// hundred bytes each; no reader ever pays for a reference count.
class LiveConfig {
 public:
  explicit LiveConfig(WebSocketConfig initial) { replace(std::move(initial)); }
  LiveConfig(const LiveConfig&) = delete;
  LiveConfig& operator=(const LiveConfig&) = delete;

  const WebSocketConfig& current() const { return *current_.load(std::memory_order_acquire); }

  /// From now on readers see `next`. Safe on any thread.
  void replace(WebSocketConfig next) {
    auto owned = std::make_unique<const WebSocketConfig>(std::move(next));
    const std::lock_guard lock(mutex_);
    current_.store(owned.get(), std::memory_order_release);
    kept_.push_back(std::move(owned));
  }

 private:
  std::atomic<const WebSocketConfig*> current_{nullptr};
  std::mutex mutex_;
  std::vector<std::unique_ptr<const WebSocketConfig>> kept_;
};

}  // namespace spread::plugins::websocket
