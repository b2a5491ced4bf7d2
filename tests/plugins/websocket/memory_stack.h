#pragma once

// The WebSocket transport's whole protocol stack on the in-memory network and virtual
// time (MemoryServer), with a real broker and publish path, for tests that speak raw bytes
// to it: what a client sends is parsed, routed, answered and timed out by the same code as
// on a real port, and nothing waits on the wall clock.
#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <map>
#include <memory>
#include <string>

#include "memory_server.h"
#include "spread/core/broker.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "spread/transport/in_process_presence.h"
#include "spread/transport/metrics.h"
#include "spread/transport/publish_service.h"
#include "spread/transport/session_options.h"
#include "spread/transport/stream_endpoint.h"

namespace spread::plugins::websocket::testing {

class MemoryStack {
 public:
  /// `config`: transport keys without the "transport.websocket." prefix. `faults`: the
  /// deliberate bugs its transport context carries (see core::InjectedFaults), or none.
  explicit MemoryStack(std::map<std::string, std::string> config = {}, transport::SessionOptions session = {},
                       const core::InjectedFaults* faults = nullptr);
  ~MemoryStack();

  int connect(MemoryNetwork::LinkOptions link = {}) { return network_.connect(std::move(link)); }
  void send(int handle, std::string bytes) { network_.clientSend(handle, std::move(bytes)); }
  /// Runs every task due now (no time passes).
  void settle() { executor_.runUntilIdle(); }
  /// Lets `by` of virtual time pass, running what falls due.
  void advance(core::Duration by) { executor_.advanceBy(by); }
  /// Everything that has reached the client so far.
  std::string take(int handle) { return network_.clientTake(handle); }
  /// Sends `bytes` on a new connection and collects what comes back until the server ends
  /// the stream, letting virtual time pass up to `patience`. `ended`: whether it did.
  std::string exchange(const std::string& bytes, core::Duration patience = std::chrono::seconds(60),
                       bool* ended = nullptr);
  /// Collects what reaches `handle` until the server ends the stream or `patience` passes.
  std::string collect(int handle, core::Duration patience = std::chrono::seconds(60), bool* ended = nullptr);

  MemoryNetwork& network() { return network_; }
  core::Broker& broker() { return broker_; }
  /// Reports every WebSocket session to `observer` from now on (see ServingObserver).
  /// REQUIRES: before the first client connects; `observer` outlives the stack.
  void setObserver(ServingObserver* observer) { server_->stack().setObserver(observer); }
  core::ManualClock& clock() { return clock_; }
  transport::Metrics& metrics() { return metrics_; }
  transport::Presence& presence() { return presence_; }
  /// What the stack's transport was started with (broker, executor, metrics, publisher).
  transport::TransportContext& context() { return *context_; }
  MemoryServer& server() { return *server_; }
  /// The stream endpoints the stack serves (TransportContext::streams), empty at first.
  transport::StreamEndpoints& streams() { return streams_; }

 private:
  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  core::Broker broker_;
  transport::Metrics metrics_;
  transport::InProcessPresence presence_;
  transport::SessionOptions session_;
  transport::PublishService publisher_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_;
  transport::StreamEndpoints streams_;
  std::unique_ptr<transport::TransportContext> context_;
  MemoryNetwork network_{clock_, executor_};
  std::unique_ptr<MemoryServer> server_;
};

/// `answer` with every "Date:" header line taken out (the one thing two servers answering
/// the same bytes at different moments may differ in).
std::string withoutDates(std::string answer);

}  // namespace spread::plugins::websocket::testing
