#include "server_runtime.h"

#include <random>

#include "spread/transport/message_position.h"

namespace spread::daemon {

namespace {

// The configured broker, plus what a configuration file does not say: a fresh epoch seed
// from the kernel's randomness, so that no topic epoch repeats across restarts, and the wire
// format of a message's position.
core::BrokerOptions brokerOptions(const DaemonConfig& config) {
  core::BrokerOptions options = config.broker;
  std::random_device entropy;
  options.epochSeed = (std::uint64_t{entropy()} << 32) ^ entropy();
  options.topic.stampPosition = transport::stampChatPosition;
  return options;
}

}  // namespace

ServerRuntime::ServerRuntime(const DaemonConfig& config)
    : executor_(config.executorThreads),
      broker_(clock_, executor_, brokerOptions(config)),
      publisher_(broker_, metrics_, config.session.publishWaitMax, config.defaultTopic, config.session.nameBytesMax) {}

ServerRuntime::~ServerRuntime() { executor_.shutdown(); }

}  // namespace spread::daemon
