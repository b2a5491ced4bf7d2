#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "events_endpoint.h"
#include "live_sessions.h"
#include "spread/transport/transport.h"

namespace spread::plugins::sse {

/// The transport's keys (transport.sse.*), read and checked.
struct SseConfig {
  std::chrono::milliseconds retry{2000};
};
/// The keys' values, or a sentence naming the first bad key.
std::variant<SseConfig, std::string> parseSseConfig(const Poco::Util::AbstractConfiguration& config);

/// Server-sent events on the port another transport serves HTTP on (the WebSocket
/// plugin's): this plugin opens no socket; it adds GET /events to TransportContext::streams.
class SseTransport final : public transport::Transport {
 public:
  ~SseTransport() override;

  std::string_view name() const override { return "sse"; }
  /// Empty: it is reached at /events on the HTTP transport's endpoint.
  std::string endpoint() const override { return {}; }
  std::optional<std::string> checkConfig(const Poco::Util::AbstractConfiguration& config,
                                         const transport::SessionOptions& session) const override;
  transport::StartResult start(transport::TransportContext& context) override;
  void beginDrain() override {}  // the HTTP server refuses new streams (503) as the publisher drains
  void stop(core::Duration deadline, transport::StopCallback done) override;
  transport::TransportStats stats() const override;

 private:
  transport::TransportContext* context_ = nullptr;
  std::shared_ptr<EventsEndpoint> endpoint_;
  LiveSessions live_;
  std::thread stopping_;  // waits for live_ to empty after stop()
};

}  // namespace spread::plugins::sse
