#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/clock.h"
#include "spread/core/executor.h"
#include "spread/core/topic_registry.h"

namespace spread::core {

class TopicImpl;

struct TopicOptions {
  /// Messages a topic holds between acceptance and fan-out. Beyond it, tryPublish()
  /// answers kBusy and publish() waits.
  std::size_t inboundMessagesMax = 1024;
  /// Messages fanned out per executor task before the topic yields to other work.
  std::size_t fanoutBatchMax = 64;
};

struct BrokerOptions {
  std::size_t topicsMax = 1024;
  TopicOptions topic;
};

/// The topic registry behind TopicRegistry. Owns its topics; runs their fan-out on the
/// given Executor and stamps messages with the given Clock. Both must outlive the broker
/// and every task it posted. Thread-safe.
class Broker final : public TopicRegistry {
 public:
  Broker(Clock& clock, Executor& executor, BrokerOptions options = {});
  ~Broker() override;

  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  TopicLookup topic(std::string_view name) override;
  std::shared_ptr<Topic> find(std::string_view name) const override;
  std::vector<std::string> topicNames() const override;
  void closeTopic(std::string_view name, Duration deadline, CloseCallback done) override;
  void shutdown(Duration grace, CloseCallback done) override;

  Clock& clock() const { return clock_; }
  Executor& executor() const { return executor_; }
  const BrokerOptions& options() const { return options_; }

 private:
  Clock& clock_;
  Executor& executor_;
  const BrokerOptions options_;

  mutable std::mutex mutex_;
  bool shuttingDown_ = false;
  std::map<std::string, std::shared_ptr<TopicImpl>, std::less<>> topics_;
  // Topics shutdown() took out of topics_, kept so that a later shutdown() waits for them.
  std::vector<std::shared_ptr<TopicImpl>> shutDownTopics_;
};

}  // namespace spread::core
