#pragma once

#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <cstdint>
#include <memory>
#include <string>

#include "spread/transport/transport.h"

namespace Poco::Net {
class HTTPServer;
}

namespace spread::plugins::websocket {

/// The private listener (transport.websocket.adminPort on adminHost): /healthz, /metrics, /status,
/// /status.json and every admin route to come, answered by answerAdminRequest() (admin_routes.h), so a
/// public port never shows topic names. It runs on Poco's HTTPServer, a thread per request,
/// which is acceptable here and nowhere else because only operators and scrapers reach it.
///
/// Bounds: kThreadsMax requests served at once and kQueuedMax connections waiting for a
/// thread (more are closed at once); every read and write on a connection times out after
/// kIoTimeout; no keep-alive, so a thread is held by one request only. Poco reads a request
/// head of at most 100 fields of 8 KiB each; a body is read (and dropped) up to 64 KiB so
/// the connection closes cleanly. The worst case is
/// a client on the admin interface trickling a head a byte per kIoTimeout, which holds one
/// of the threads until it finishes: the admin interface must be private.
///
/// Built and stopped on one thread (the transport's start/stop); requests are handled on
/// its own threads, which only read `context` (metrics, broker, executor, publisher).
class AdminListener {
 public:
  static constexpr int kThreadsMax = 2;
  static constexpr int kQueuedMax = 16;
  static constexpr int kIoTimeoutSeconds = 5;

  /// Binds host:port (port 0 takes a free one) and starts serving. Throws Poco::Exception
  /// if it cannot listen there. REQUIRES: `context` outlives stop().
  AdminListener(transport::TransportContext& context, const std::string& host, std::uint16_t port);
  ~AdminListener();  // stop()
  AdminListener(const AdminListener&) = delete;
  AdminListener& operator=(const AdminListener&) = delete;

  /// The address bound, with the port chosen when 0 was asked for.
  const Poco::Net::SocketAddress& address() const { return address_; }

  /// Stops accepting, ends the connections in progress, and waits for the request threads
  /// to finish (each is bounded by kIoTimeout): after it, nothing here reads `context`.
  /// Idempotent.
  void stop();

 private:
  Poco::ThreadPool threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  Poco::Net::SocketAddress address_;
};

}  // namespace spread::plugins::websocket
