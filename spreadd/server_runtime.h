#pragma once

#include <memory>

#include "daemon_config.h"
#include "engine_plugin.h"
#include "logged_backplane.h"
#include "spread/core/broker.h"
#include "spread/core/cluster_engine.h"
#include "spread/core/in_process_engine.h"
#include "spread/core/steady_clock.h"
#include "spread/core/thread_pool_executor.h"
#include "spread/transport/in_process_presence.h"
#include "spread/transport/metrics.h"
#include "spread/transport/publish_service.h"

namespace spread::daemon {

/// The core of a running server and the services its transports share, built from the
/// daemon's configuration. Constructing it starts the executor's threads, so the daemon
/// builds it only after blocking termination signals.
///
/// With an engine plugin (spread.engine = redis) the topics are fed by a ClusterEngine on
/// the plugin's backplane, built before the broker and started once the broker exists;
/// otherwise an InProcessEngine publishes straight into the broker.
class ServerRuntime {
 public:
  /// `enginePlugin`: null for spread.engine = inprocess; must outlive the runtime.
  ServerRuntime(const DaemonConfig& config, EnginePlugin* enginePlugin);
  /// Stops the engine (no more entries from other nodes), then the executor: its pending
  /// tasks may still reach the broker.
  ~ServerRuntime();

  ServerRuntime(const ServerRuntime&) = delete;
  ServerRuntime& operator=(const ServerRuntime&) = delete;

  core::Clock& clock() { return clock_; }
  core::ThreadPoolExecutor& executor() { return executor_; }
  core::Broker& broker() { return broker_; }
  core::Engine& engine() { return cluster_ ? static_cast<core::Engine&>(*cluster_) : inProcess_; }
  transport::Metrics& metrics() { return metrics_; }
  transport::PublishService& publisher() { return publisher_; }
  /// The engine plugin's shared presence (every node's members), else this node's.
  transport::Presence& presence() { return shared_ != nullptr ? *shared_ : presence_; }

 private:
  core::SteadyClock clock_;
  core::ThreadPoolExecutor executor_;
  std::unique_ptr<LoggedBackplane> backplane_;
  std::unique_ptr<core::ClusterEngine> cluster_;
  core::Broker broker_;
  core::InProcessEngine inProcess_;
  transport::Metrics metrics_;
  transport::PublishService publisher_;
  // In-process: this node's subscribers only; used unless the engine plugin shares one.
  transport::InProcessPresence presence_;
  transport::Presence* shared_ = nullptr;
};

}  // namespace spread::daemon
