#pragma once

#include <cstdint>
#include <string>

#include "endpoint.h"
#include "event_loop.h"

namespace spread::bench {

class HalfOpenClient;

/// What a HalfOpenClient reports, once, on the loop's thread.
class HalfOpenListener {
 public:
  enum class End {
    kConnectFailed,  // the TCP connect failed
    kServerClosed,   // the server hung up (FIN), with or without an HTTP answer first
    kReset,          // the server reset the connection
    kError,          // any other socket error
  };
  virtual ~HalfOpenListener() = default;
  /// `status` is the HTTP status the server answered before hanging up, or 0 for none;
  /// `heldUs` runs from the partial request's sending to the end.
  virtual void onHalfOpenEnded(HalfOpenClient& client, End end, int status, std::int64_t heldUs) = 0;
};

/// A client that connects, sends the first `prefixBytes` of a WebSocket upgrade request
/// (never all of it) and then waits, as a slow or hostile client would: a server that
/// bounds the time a request head may take hangs up on it. Non-blocking, in an EventLoop.
/// Not thread-safe.
class HalfOpenClient final : public EventHandler {
 public:
  HalfOpenClient(EventLoop& loop, const Endpoint& endpoint, HalfOpenListener& listener);
  ~HalfOpenClient() override;
  HalfOpenClient(const HalfOpenClient&) = delete;
  HalfOpenClient& operator=(const HalfOpenClient&) = delete;

  /// Connects and sends `permille` thousandths of the request (at least 1 byte, at most
  /// all but the last). Reports onHalfOpenEnded later.
  void start(std::uint32_t permille);
  /// Closes the socket (the client gives up waiting). No callback follows.
  void abandon();
  bool ended() const { return state_ == State::kEnded; }

  void onEvents(std::uint32_t events) override;

 private:
  enum class State { kIdle, kConnecting, kWaiting, kEnded };

  void end(HalfOpenListener::End how, int status);

  EventLoop& loop_;
  const Endpoint& endpoint_;
  HalfOpenListener& listener_;
  int fd_ = -1;
  State state_ = State::kIdle;
  std::string out_;
  std::string answer_;  // the first bytes of whatever the server answers
  std::int64_t sentAtUs_ = 0;
};

}  // namespace spread::bench
