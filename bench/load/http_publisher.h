#pragma once

#include <string>

#include "endpoint.h"
#include "event_loop.h"
#include "publisher.h"

namespace spread::bench {

/// Publishes with POST /publish over one keep-alive HTTP/1.1 connection, one request at a
/// time (no pipelining): ready() again once the answer arrived. 204 counts as accepted,
/// any other status as failed. If the server closes the connection, it reconnects.
class HttpPublisher final : public Publisher, public EventHandler {
 public:
  HttpPublisher(EventLoop& loop, const Endpoint& endpoint, PublisherListener& listener, std::uint32_t id);
  ~HttpPublisher() override;

  void start() override;
  bool ready() const override { return state_ == State::kReady; }
  bool ended() const override { return state_ == State::kEnded; }
  void publish(std::string_view msg) override;
  bool awaitingAnswer() const override { return state_ == State::kAwaiting; }
  void abandon() override;

  void onEvents(std::uint32_t events) override;

 private:
  enum class State { kIdle, kConnecting, kReady, kAwaiting, kEnded };

  void readResponses();
  // Consumes one complete response from in_; false if it is not all there yet.
  bool takeResponse();
  void flush();
  void reconnect(const std::string& why);

  EventLoop& loop_;
  const Endpoint& endpoint_;
  PublisherListener& listener_;
  int fd_ = -1;
  State state_ = State::kIdle;
  bool closeAfterAnswer_ = false;
  bool wantWrite_ = false;
  std::string out_;
  std::string in_;
};

}  // namespace spread::bench
