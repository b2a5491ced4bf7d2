#pragma once

#include <cstdint>

#include "endpoint.h"
#include "event_loop.h"
#include "publisher.h"
#include "ws_client.h"

namespace spread::bench {

/// Publishes by sending {"name","msg"} text frames on a WebSocket opened on the subscribe
/// endpoint. That socket is also subscribed to the topic, so the server echoes each
/// message back: flat out, the publisher keeps at most `window` of its own messages in
/// flight (sent, not yet echoed), which is its closed loop. Messages from other
/// publishers that arrive on it are read and ignored. With window 0 it never waits.
class WsPublisher final : public Publisher, public WsListener {
 public:
  WsPublisher(EventLoop& loop, const Endpoint& endpoint, PublisherListener& listener, std::uint32_t id,
              std::uint32_t window);

  void start() override { client_.start(); }
  bool ready() const override;
  bool ended() const override { return client_.ended(); }
  void publish(std::string_view msg) override;
  bool awaitingAnswer() const override { return false; }
  void abandon() override { client_.abandon(); }
  void resetCounters() override {
    Publisher::resetCounters();
    inFlight_ = 0;
  }

  void onOpen(WsClient& client) override;
  void onText(WsClient& client, std::string_view text, std::int64_t receivedAtUs) override;
  void onEnded(WsClient& client, EndKind kind, int code, const std::string& detail) override;

 private:
  PublisherListener& listener_;
  WsClient client_;
  const std::uint32_t window_;
  std::uint64_t inFlight_ = 0;
};

}  // namespace spread::bench
