#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/clock.h"
#include "spread/core/executor.h"
#include "spread/core/injected_faults.h"
#include "spread/core/time.h"
#include "spread/core/topic_registry.h"
#include "spread/transport/metrics.h"
#include "spread/transport/publish_service.h"
#include "spread/transport/session_options.h"

namespace Poco {
class Logger;
namespace Util {
class AbstractConfiguration;
}
}  // namespace Poco

namespace spread::transport::auth {
class Authenticator;
}

namespace spread::transport {

class Presence;
class StreamEndpoints;

/// Everything a transport is started with, and what each of its Sessions is built on (a
/// transport may give a session a copy with other session options). References outlive the
/// transport.
struct TransportContext {
  core::TopicRegistry& broker;
  core::Clock& clock;
  core::Executor& executor;
  Metrics& metrics;
  PublishService& publisher;
  SessionOptions session;
  /// The transport's own keys, with its prefix removed ("transport.websocket.port" is
  /// read as "port"), already accepted by Transport::checkConfig.
  const Poco::Util::AbstractConfiguration& config;
  Poco::Logger& logger;
  /// Deliberate bugs for the simulator's tests (see core::InjectedFaults), read by each
  /// Session and by the WebSocket protocol stack. Null everywhere else: the daemon never
  /// sets it. Last, so that a context built with a brace list may leave it out.
  const core::InjectedFaults* faults = nullptr;
  /// Checks clients' tokens (auth.mode = jwt); null when every client may do anything.
  const auth::Authenticator* auth = nullptr;
  /// Who is subscribed where (GET /presence, ?presence=1); the daemon's is in-process. Null
  /// where nobody asks (the simulator): sessions then join no presence.
  Presence* presence = nullptr;
  /// Streaming GET endpoints offered between plugins (stream_endpoint.h): a plugin that does
  /// not serve HTTP itself (SSE) adds its endpoint; the one that does serves it. Null where
  /// no plugin offers one (the simulator).
  StreamEndpoints* streams = nullptr;
};

struct StartResult {
  bool ok = true;
  std::string error;  // names the resource that failed (and the key that chose it, if any)
  static StartResult success() { return {}; }
  static StartResult failure(std::string error) { return StartResult{false, std::move(error)}; }
};

/// What a transport made of a reload (Transport::reload): each changed key, without the
/// transport's prefix, is in `applied` or in `needsRestart`.
struct ReloadOutcome {
  std::vector<std::string> applied;
  std::vector<std::string> needsRestart;
  std::optional<std::string> error;  // what could not be applied; the transport serves on with what it had
};

enum class StopOutcome { kCompleted, kDeadlineExceeded };
using StopCallback = std::function<void(StopOutcome)>;

struct TransportStats {
  std::uint64_t connectionsOpen = 0;
  std::uint64_t sessionsOpen = 0;
};

/// A way for clients to reach the broker, loaded from a plugin. The daemon first asks every
/// configured transport to check its keys (checkConfig), then starts each one, and on
/// shutdown calls beginDrain() on all of them, shuts the broker down (which flushes every
/// session's subscription and ends it with kGoingAway), then stop().
///
/// No method may throw: failures are results. checkConfig/start/beginDrain/stop/stats are
/// called from the daemon's main thread.
class Transport {
 public:
  virtual ~Transport() = default;

  virtual std::string_view name() const = 0;

  /// Where clients reach it once started, e.g. "http://127.0.0.1:8000/" with the port
  /// actually bound (so a config asking for port 0 learns which). Several URLs, separated
  /// by a space, when it listens on more than one ("http://...:8000/ https://...:8443/").
  /// Empty if not networked.
  virtual std::string endpoint() const = 0;

  /// Checks the transport's own keys (prefix removed, as TransportContext::config has them)
  /// against the session options it would run with, without starting anything: it
  /// starts no thread, opens no socket and keeps nothing. Returns nullopt if start() would
  /// accept them; otherwise a sentence naming the first bad key and its problem (an
  /// unknown key, a value it cannot use). The daemon exits 78 on such an error, both for
  /// --check-config and before starting any transport. May be called before, instead of,
  /// or after start(), any number of times.
  virtual std::optional<std::string> checkConfig(const Poco::Util::AbstractConfiguration& config,
                                                 const SessionOptions& session) const = 0;

  /// Starts serving. Refuses keys that checkConfig refuses, with the same message; but the
  /// daemon starts a transport only once checkConfig has accepted its keys, so a failure
  /// it sees here is a resource that cannot be had (a port in use, ...), and it exits 69.
  /// After success, the transport may post to context.executor until stop() has completed.
  virtual StartResult start(TransportContext& context) = 0;

  /// Refuses new connections and publishes from now on (HTTP 503, WebSocket error
  /// frames); sessions already open keep receiving. Draining is the server's, not one
  /// transport's: it drains context.publisher (PublishService::beginDrain), which every
  /// transport and the publish path read.
  virtual void beginDrain() = 0;

  /// Waits for open sessions to finish their goodbyes; at `deadline` from now closes the
  /// rest at once. Then releases every resource. `done` runs exactly once, on any thread.
  virtual void stop(core::Duration deadline, StopCallback done) = 0;

  virtual TransportStats stats() const = 0;

  /// A reload, as the operator asks with SIGHUP. `config`: the transport's keys as newly
  /// read (already accepted by checkConfig); `changed`: those whose value differs from what
  /// the transport runs with. The transport applies what it can to what comes next (new
  /// connections, requests and decisions; connections already open keep what they were
  /// accepted with), rereads the credentials it loaded from files (a TLS certificate and key:
  /// their contents may have changed with no key changing), and says which changed keys it
  /// applied and which wait for a restart. If something cannot be applied (an unreadable
  /// certificate), it keeps serving with what it had and says so in `error`.
  /// Called on the daemon's main thread, while started. By default nothing can change.
  virtual ReloadOutcome reload(const Poco::Util::AbstractConfiguration& config,
                               const std::vector<std::string>& changed) {
    (void)config;
    return ReloadOutcome{{}, changed, std::nullopt};
  }
};

}  // namespace spread::transport
