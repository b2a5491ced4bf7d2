#include "server_runtime.h"

#include <Poco/Logger.h>

#include <random>

#include "spread/transport/message_position.h"

namespace spread::daemon {

namespace {

// The configured broker, plus what a configuration file does not say: a fresh epoch seed
// from the kernel's randomness, so that no topic epoch repeats across restarts, the wire
// format of a message's position, and the engine that feeds the topics, if any.
core::BrokerOptions brokerOptions(const DaemonConfig& config, core::TopicFeeder* feeder) {
  core::BrokerOptions options = config.broker;
  std::random_device entropy;
  options.epochSeed = (std::uint64_t{entropy()} << 32) ^ entropy();
  options.topic.stampPosition = transport::stampChatPosition;
  options.feeder = feeder;
  return options;
}

std::unique_ptr<core::ClusterEngine> clusterEngine(const DaemonConfig& config, core::Backplane* backplane,
                                                   core::Clock& clock, core::Executor& executor) {
  if (backplane == nullptr) return nullptr;
  core::ClusterEngineOptions options;
  // A topic new on this node reads back what history.size keeps, so it can serve any resume.
  options.warmEntriesMax = config.broker.topic.historySize;
  return std::make_unique<core::ClusterEngine>(*backplane, clock, executor, options);
}

}  // namespace

ServerRuntime::ServerRuntime(const DaemonConfig& config, EnginePlugin* enginePlugin)
    : executor_(config.executorThreads),
      backplane_(enginePlugin == nullptr
                     ? nullptr
                     : std::make_unique<LoggedBackplane>(enginePlugin->backplane(), enginePlugin->name(),
                                                         enginePlugin->describe(), Poco::Logger::get("spreadd"))),
      cluster_(clusterEngine(config, backplane_.get(), clock_, executor_)),
      broker_(clock_, executor_, brokerOptions(config, cluster_.get())),
      inProcess_(broker_),
      publisher_(engine(), broker_, metrics_, config.session.publishWaitMax, config.defaultTopic, config.session.nameBytesMax) {
  metrics_.setEngineSamples([this, enginePlugin] {
    std::vector<transport::EngineSample> samples;
    samples.push_back({"spread_engine_up", "gauge", "1 when publishing can reach every node (the engine is available).",
                       engine().health().available ? 1.0 : 0.0});
    if (enginePlugin != nullptr) {
      for (const transport::EngineCounter& counter : enginePlugin->counters()) {
        samples.push_back({"spread_engine_" + counter.name, "counter", counter.help,
                           static_cast<double>(counter.value)});
      }
    }
    return samples;
  });
  if (cluster_) cluster_->start();
  if (enginePlugin != nullptr && enginePlugin->presence() != nullptr) {
    std::string problem;
    if (enginePlugin->startPresence(problem)) {
      shared_ = enginePlugin->presence();
    } else {
      Poco::Logger::get("spreadd").error("engine " + enginePlugin->name() + ": presence could not start (" + problem +
                                         "); GET /presence lists this node's subscribers only");
    }
  }
}

ServerRuntime::~ServerRuntime() {
  if (cluster_) cluster_->stop();
  executor_.shutdown();
}

}  // namespace spread::daemon
