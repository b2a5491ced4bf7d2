#pragma once

// An in-process Spread server for the WebSocket transport's tests: a real broker,
// thread-pool executor and steady clock (or, on request, timers on a manual clock), and the
// transport started directly on 127.0.0.1 with an ephemeral port. Also small HTTP and
// WebSocket client helpers.
#include <Poco/AutoPtr.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Util/MapConfiguration.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "client_frames.h"
#include "manual_timer_executor.h"
#include "spread/core/broker.h"
#include "spread/core/manual_clock.h"
#include "spread/core/steady_clock.h"
#include "spread/core/thread_pool_executor.h"
#include "spread/transport/in_process_presence.h"
#include "spread/transport/metrics.h"
#include "spread/transport/publish_service.h"
#include "spread/transport/session_options.h"
#include "websocket_transport.h"

namespace spread::plugins::websocket::testing {

struct TestServerOptions {
  transport::SessionOptions session;
  /// Transport keys (without the "transport.websocket." prefix); host and port default
  /// to 127.0.0.1 and 0.
  std::map<std::string, std::string> config;
  std::size_t executorThreads = 2;
  core::BrokerOptions broker;
  /// Run on a ManualClock, with timers (keepalive, idle and close timeouts) that fire only
  /// through timers(); tasks still run on the thread pool.
  bool manualTime = false;
};

inline TestServerOptions withConfig(std::map<std::string, std::string> config) {
  TestServerOptions options;
  options.config = std::move(config);
  return options;
}

struct HttpReply {
  int status = 0;
  std::string body;
  std::string contentType;
  std::map<std::string, std::string> headers;
};

class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();

  std::uint16_t port() const { return port_; }
  core::Broker& broker() { return broker_; }
  core::Executor& executor() { return executor_; }
  /// REQUIRES: the server was made with `manualTime`.
  ManualTimerExecutor& timers() { return *manualTimers_; }
  transport::Metrics& metrics() { return metrics_; }
  transport::Presence& presence() { return presence_; }
  transport::PublishService& publisher() { return publisher_; }
  WebSocketTransport& transport() { return transport_; }

  HttpReply request(const std::string& method, const std::string& target, const std::string& body = {},
                    const std::map<std::string, std::string>& headers = {});
  HttpReply publish(const std::string& name, const std::string& msg, const std::string& target = "/publish");

  /// A Poco client WebSocket on `target`, already subscribed (its session answered a probe).
  std::unique_ptr<Poco::Net::WebSocket> subscribe(const std::string& target = "/subscribe");
  /// A raw client, already subscribed.
  std::unique_ptr<RawClient> subscribeRaw(const std::string& target = "/subscribe", int receiveBufferBytes = 0);

  /// Shuts down as spreadd does: drain, broker shutdown, then stop with `deadline`.
  transport::StopOutcome shutdown(std::chrono::milliseconds deadline);

 private:
  TestServerOptions options_;
  core::SteadyClock steadyClock_;
  core::ManualClock manualClock_;
  core::ThreadPoolExecutor pool_;
  std::unique_ptr<ManualTimerExecutor> manualTimers_;  // set with `manualTime`
  core::Clock& clock_;
  core::Executor& executor_;
  core::Broker broker_;
  transport::Metrics metrics_;
  transport::InProcessPresence presence_;
  transport::PublishService publisher_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_;
  WebSocketTransport transport_;
  std::unique_ptr<transport::TransportContext> context_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

/// Receives one frame on a Poco client WebSocket; returns its text, or "" with
/// `flags` = 0 on timeout (the socket's receive timeout, 5 s by default).
std::string receiveText(Poco::Net::WebSocket& socket, int* flags = nullptr);

/// Number of threads in this process, from /proc/self/task.
std::size_t threadCount();

}  // namespace spread::plugins::websocket::testing
