#pragma once

#include <cstdint>

#include "spread/transport/transport.h"

namespace spread::transport {

/// Bumped whenever Transport, TransportContext or anything they expose changes layout or
/// meaning. The loader refuses a plugin built against another version.
/// 2: Transport::checkConfig.
/// 3: Executor::post returns whether it accepted the task, Executor::refusedTasks,
///    Subscriber::whenFinished, CloseReason::kAbandoned.
/// 4: Subscriber::deliverAll, TransportContext::faults, TopicStats::deliveryDelayExpected.
/// 5: Connection::holdReading; Session's and Strand's locks are CompactMutex.
/// 6: Transport::reloadCredentials; endpoint() may list several URLs.
/// 7: Transport::reload (the whole configuration) replaces reloadCredentials.
/// 8: TransportContext::presence.
/// 9: TransportContext::streams (StreamEndpoints, stream_endpoint.h).
/// 10: PublishService publishes through a core::Engine (engine()); ResumeOutcome::kPending.
/// 11: Metrics::setEngineSamples (Metrics' layout).
/// 12: Presence::list answers through a callback (PresenceListing).
inline constexpr std::uint32_t kTransportAbiVersion = 12;

/// What a plugin's entry point returns. Plain C layout, so the loader can read the
/// version before trusting anything else in it.
struct TransportPlugin {
  std::uint32_t abiVersion;
  const char* name;
  Transport* (*create)();
  void (*destroy)(Transport*);
};

inline constexpr const char* kTransportPluginSymbol = "spread_transport_plugin";

}  // namespace spread::transport

/// Defines a plugin's single entry point. Use once per plugin, in its own namespace scope:
///   SPREAD_TRANSPORT_PLUGIN("websocket", spread::plugins::websocket::WebSocketTransport)
#define SPREAD_TRANSPORT_PLUGIN(pluginName, TransportClass)                                 \
  extern "C" __attribute__((visibility("default"))) const ::spread::transport::TransportPlugin* \
  spread_transport_plugin() {                                                               \
    static const ::spread::transport::TransportPlugin plugin{                               \
        ::spread::transport::kTransportAbiVersion, pluginName,                              \
        []() -> ::spread::transport::Transport* { return new TransportClass(); },            \
        [](::spread::transport::Transport* transport) { delete transport; }};               \
    return &plugin;                                                                         \
  }
