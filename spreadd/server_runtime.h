#pragma once

#include "daemon_config.h"
#include "spread/core/broker.h"
#include "spread/core/steady_clock.h"
#include "spread/core/thread_pool_executor.h"
#include "spread/transport/in_process_presence.h"
#include "spread/transport/metrics.h"
#include "spread/transport/publish_service.h"

namespace spread::daemon {

/// The core of a running server and the services its transports share, built from the
/// daemon's configuration. Constructing it starts the executor's threads, so the daemon
/// builds it only after blocking termination signals.
class ServerRuntime {
 public:
  explicit ServerRuntime(const DaemonConfig& config);
  /// Shuts the executor down first: its pending tasks may still reach the broker.
  ~ServerRuntime();

  ServerRuntime(const ServerRuntime&) = delete;
  ServerRuntime& operator=(const ServerRuntime&) = delete;

  core::Clock& clock() { return clock_; }
  core::ThreadPoolExecutor& executor() { return executor_; }
  core::Broker& broker() { return broker_; }
  transport::Metrics& metrics() { return metrics_; }
  transport::PublishService& publisher() { return publisher_; }
  transport::Presence& presence() { return presence_; }

 private:
  core::SteadyClock clock_;
  core::ThreadPoolExecutor executor_;
  core::Broker broker_;
  transport::Metrics metrics_;
  transport::PublishService publisher_;
  // In-process: this node's subscribers only (a shared engine would list every node's).
  transport::InProcessPresence presence_;
};

}  // namespace spread::daemon
