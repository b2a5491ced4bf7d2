#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "spread/transport/transport.h"

namespace spread::testing {

/// A transport with no clients, for testing the daemon around it. Its keys:
///   endpoint = fake://      what endpoint() reports once started
///   failStart = false       true: checkConfig accepts it but start() fails, naming this
///                           key, as a transport whose resource is unavailable does
///   stopDelayMs = 0         how long stop() takes to report (logging "<name> transport
///                           stopped" as it does); -1: it never does
/// Any other key makes checkConfig (and start) fail with "unknown key '<key>'", as real
/// transports must; so does a value that is not of its key's type.
/// It starts no thread: its slow stop is a timer on the daemon's executor. Built twice, as
/// plugins "fake" and "fake2" (SPREAD_FAKE_NAME), so a daemon can run two transports.
class FakeTransport final : public transport::Transport {
 public:
  std::string_view name() const override;
  std::string endpoint() const override;
  std::optional<std::string> checkConfig(const Poco::Util::AbstractConfiguration& config,
                                         const transport::SessionOptions& session) const override;
  transport::StartResult start(transport::TransportContext& context) override;
  void beginDrain() override;
  void stop(core::Duration deadline, transport::StopCallback done) override;
  transport::TransportStats stats() const override { return {}; }

 private:
  mutable std::mutex mutex_;
  transport::TransportContext* context_ = nullptr;
  std::string endpoint_;
  std::int64_t stopDelayMs_ = 0;
  transport::StopCallback neverCalled_;  // kept, not run, when stopDelayMs is -1
};

}  // namespace spread::testing
