#include "spread/transport/metrics.h"

#include <chrono>

#include "spread/core/topic.h"
#include "spread/transport/presence.h"

namespace spread::transport {

std::string_view toString(Rejection rejection) {
  switch (rejection) {
    case Rejection::kBadRequest: return "bad_request";
    case Rejection::kBadTopic: return "bad_topic";
    case Rejection::kTooLarge: return "too_large";
    case Rejection::kMethodNotAllowed: return "method_not_allowed";
    case Rejection::kNotFound: return "not_found";
    case Rejection::kUpgradeRequired: return "upgrade_required";
    case Rejection::kBusy: return "busy";
    case Rejection::kTooManyTopics: return "too_many_topics";
    case Rejection::kDraining: return "draining";
    case Rejection::kProtocolError: return "protocol_error";
    case Rejection::kTooManyConnections: return "too_many_connections";
    case Rejection::kRateLimited: return "rate_limited";
    case Rejection::kForbiddenOrigin: return "forbidden_origin";
    case Rejection::kUnsupportedMediaType: return "unsupported_media_type";
    case Rejection::kTimeout: return "timeout";
    case Rejection::kHeadTooLarge: return "head_too_large";
    case Rejection::kUnreadReplies: return "unread_replies";
    case Rejection::kUnauthorized: return "unauthorized";
    case Rejection::kForbidden: return "forbidden";
    case Rejection::kPrivateEndpoint: return "private_endpoint";
    case Rejection::kEngineUnavailable: return "engine_unavailable";
    case Rejection::kCount: break;
  }
  return "unknown";
}

std::string_view configKey(Limit limit) {
  switch (limit) {
    case Limit::kConnectionsMax: return "transport.websocket.connectionsMax";
    case Limit::kConnectionsPerAddressMax: return "transport.websocket.connectionsPerAddressMax";
    case Limit::kHeaderBytesMax: return "transport.websocket.headerBytesMax";
    case Limit::kHeaderTimeout: return "transport.websocket.headerTimeoutMs";
    case Limit::kBodyTimeout: return "transport.websocket.bodyTimeoutMs";
    case Limit::kBodyBytesMax: return "transport.websocket.bodyBytesMax";
    case Limit::kMessageBytesMax: return "session.messageBytesMax";
    case Limit::kNameBytesMax: return "session.nameBytesMax";
    case Limit::kPublishesPerSecond: return "session.publishesPerSecond";
    case Limit::kAddressPublishesPerSecond: return "transport.websocket.addressPublishesPerSecond";
    case Limit::kSendWindow: return "session.sendWindowBytes";
    case Limit::kTopicsMax: return "broker.topicsMax";
    case Limit::kCount: break;
  }
  return "unknown";
}

void Metrics::delivered(core::Duration latency) {
  delivered_.fetch_add(1, std::memory_order_relaxed);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
  std::size_t bucket = 0;
  while (bucket < kLatencyBucketsUs.size() && us > kLatencyBucketsUs[bucket]) ++bucket;
  latencyBuckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latencySumUs_.fetch_add(static_cast<std::uint64_t>(us < 0 ? 0 : us), std::memory_order_relaxed);
}

namespace {

void appendMetric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void appendSample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  char number[32];
  std::snprintf(number, sizeof number, " %.17g\n", value);
  out.append(number);
}

}  // namespace

std::string Metrics::renderPrometheus(const core::TopicRegistry& broker, const core::Executor& executor,
                                      const Presence* presence) const {
  std::string out;
  appendMetric(out, "spread_connections", "gauge", "WebSocket connections open now.");
  appendSample(out, "spread_connections", "", static_cast<double>(connectionsOpen_.load()));
  appendMetric(out, "spread_connections_total", "counter", "WebSocket connections opened.");
  appendSample(out, "spread_connections_total", "", static_cast<double>(connectionsTotal_.load()));

  appendMetric(out, "spread_client_connections", "gauge",
               "Client TCP connections open now, HTTP and WebSocket, as the connection limits count them.");
  appendSample(out, "spread_client_connections", "", static_cast<double>(clientConnections_.load()));

  appendMetric(out, "spread_subscribers", "gauge", "Subscribers per topic.");
  for (const std::string& name : broker.topicNames()) {
    if (auto topic = broker.find(name)) {
      appendSample(out, "spread_subscribers", "topic=\"" + name + "\"",
                   static_cast<double>(topic->stats().subscribers));
    }
  }
  if (presence != nullptr) {
    appendMetric(out, "spread_presence_entries", "gauge", "Subscribers listed in presence, over every topic.");
    appendSample(out, "spread_presence_entries", "", static_cast<double>(presence->entries()));
  }
  appendMetric(out, "spread_messages_published_total", "counter", "Messages accepted from publishers.");
  appendSample(out, "spread_messages_published_total", "", static_cast<double>(published_.load()));
  appendMetric(out, "spread_messages_delivered_total", "counter", "Messages written to clients.");
  appendSample(out, "spread_messages_delivered_total", "", static_cast<double>(delivered_.load()));
  appendMetric(out, "spread_slow_consumers_dropped_total", "counter",
               "Subscribers closed because they could not keep up.");
  appendSample(out, "spread_slow_consumers_dropped_total", "",
               static_cast<double>(slowConsumersDropped_.load()));

  appendMetric(out, "spread_rejected_total", "counter", "Requests and messages refused, by reason.");
  for (std::size_t i = 0; i < rejected_.size(); ++i) {
    const std::string label = "reason=\"" + std::string(toString(static_cast<Rejection>(i))) + "\"";
    appendSample(out, "spread_rejected_total", label, static_cast<double>(rejected_[i].load()));
  }

  appendMetric(out, "spread_limit_refusals_total", "counter",
               "Clients refused or closed by a configured limit, by the key that sets it.");
  for (std::size_t i = 0; i < limitRefusals_.size(); ++i) {
    const std::string label = "key=\"" + std::string(configKey(static_cast<Limit>(i))) + "\"";
    appendSample(out, "spread_limit_refusals_total", label, static_cast<double>(limitRefusals_[i].load()));
  }

  appendMetric(out, "spread_executor_refused_tasks_total", "counter",
               "Tasks and timers the executor refused because it had stopped; each is work lost.");
  appendSample(out, "spread_executor_refused_tasks_total", "", static_cast<double>(executor.refusedTasks()));
  appendMetric(out, "spread_publish_to_write_seconds", "histogram",
               "Time from a topic accepting a message to writing it to a client.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < latencyBuckets_.size(); ++i) {
    cumulative += latencyBuckets_[i].load();
    std::string le = "+Inf";
    if (i < kLatencyBucketsUs.size()) {
      char bound[32];
      std::snprintf(bound, sizeof bound, "%g", static_cast<double>(kLatencyBucketsUs[i]) / 1e6);
      le = bound;
    }
    appendSample(out, "spread_publish_to_write_seconds_bucket", "le=\"" + le + "\"",
                 static_cast<double>(cumulative));
  }
  appendSample(out, "spread_publish_to_write_seconds_sum", "",
               static_cast<double>(latencySumUs_.load()) / 1e6);
  appendSample(out, "spread_publish_to_write_seconds_count", "", static_cast<double>(cumulative));
  if (engineSamples_) {
    for (const EngineSample& sample : engineSamples_()) {
      appendMetric(out, sample.name, sample.type, sample.help);
      appendSample(out, sample.name, "", sample.value);
    }
  }
  return out;
}

}  // namespace spread::transport
