#include "server_runtime.h"

namespace spread::daemon {

ServerRuntime::ServerRuntime(const DaemonConfig& config)
    : executor_(config.executorThreads),
      broker_(clock_, executor_, config.broker),
      publisher_(broker_, metrics_, config.session.publishWaitMax, config.defaultTopic, config.session.nameBytesMax) {}

ServerRuntime::~ServerRuntime() { executor_.shutdown(); }

}  // namespace spread::daemon
