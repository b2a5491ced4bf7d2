#include "spread/transport/status_json.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "spread/core/topic.h"
#include "spread/transport/chat_codec.h"

namespace spread::transport {

namespace {

void appendNumber(std::string& out, std::uint64_t value) { out += std::to_string(value); }

void appendNumber(std::string& out, std::int64_t value) { out += std::to_string(value); }

// Nine digits are plenty for a bound or a sum of seconds, and %g writes valid JSON (5e-05).
void appendNumber(std::string& out, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.9g", value);
  out += number;
}

// Appends "key": value, with a comma before every member but the first of its object.
template <typename Value>
void appendMember(std::string& out, bool& first, std::string_view key, Value value) {
  if (!first) out += ',';
  first = false;
  appendJsonString(out, key);
  out += ':';
  appendNumber(out, value);
}

struct TopicLoad {
  std::string name;
  std::uint64_t subscribers = 0;
};

// Every topic that still exists, busiest first; only the first `shownMax` are kept sorted.
std::vector<TopicLoad> busiestTopics(const core::TopicRegistry& broker, std::size_t shownMax,
                                     std::size_t& count) {
  std::vector<TopicLoad> topics;
  for (std::string& name : broker.topicNames()) {
    // A topic freed between the two calls is simply not there any more.
    if (auto topic = broker.find(name)) topics.push_back({std::move(name), topic->stats().subscribers});
  }
  count = topics.size();
  const auto busier = [](const TopicLoad& a, const TopicLoad& b) {
    return a.subscribers != b.subscribers ? a.subscribers > b.subscribers : a.name < b.name;
  };
  const std::size_t shown = std::min(shownMax, topics.size());
  std::partial_sort(topics.begin(), topics.begin() + static_cast<std::ptrdiff_t>(shown), topics.end(), busier);
  topics.resize(shown);
  return topics;
}

}  // namespace

std::string renderStatusJson(const Metrics& metrics, const core::TopicRegistry& broker,
                             const core::Executor& executor, core::TimePoint now, std::size_t topicsShownMax) {
  std::string out = "{";
  bool first = true;
  appendMember(out, first, "clockMs",
               static_cast<std::int64_t>(
                   std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()));

  out += ",\"connections\":{";
  first = true;
  appendMember(out, first, "websocket", metrics.connectionsOpen());
  appendMember(out, first, "clients", metrics.clientConnections());
  appendMember(out, first, "websocketOpened", metrics.connectionsTotalCount());

  out += "},\"messages\":{";
  first = true;
  appendMember(out, first, "published", metrics.publishedCount());
  appendMember(out, first, "delivered", metrics.deliveredCount());

  out += "},\"drops\":{";
  first = true;
  appendMember(out, first, "slow_consumer", metrics.slowConsumersDroppedCount());
  appendMember(out, first, "executor_refused_task", executor.refusedTasks());

  out += "},\"refusals\":{";
  first = true;
  for (std::size_t i = 0; i < static_cast<std::size_t>(Rejection::kCount); ++i) {
    const auto why = static_cast<Rejection>(i);
    appendMember(out, first, toString(why), metrics.rejectedCount(why));
  }

  std::size_t topicCount = 0;
  const std::vector<TopicLoad> busiest = busiestTopics(broker, topicsShownMax, topicCount);
  out += "},\"topics\":{\"count\":";
  appendNumber(out, static_cast<std::uint64_t>(topicCount));
  out += ",\"busiest\":[";
  for (std::size_t i = 0; i < busiest.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"topic\":";
    appendJsonString(out, busiest[i].name);
    out += ",\"subscribers\":";
    appendNumber(out, busiest[i].subscribers);
    out += '}';
  }

  out += "]},\"latency\":{\"boundsSeconds\":[";
  for (std::size_t i = 0; i < Metrics::kLatencyBucketsUs.size(); ++i) {
    if (i > 0) out += ',';
    appendNumber(out, static_cast<double>(Metrics::kLatencyBucketsUs[i]) / 1e6);
  }
  out += "],\"cumulative\":[";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= Metrics::kLatencyBucketsUs.size(); ++i) {
    if (i > 0) out += ',';
    cumulative += metrics.latencyBucketCount(i);
    appendNumber(out, cumulative);
  }
  out += "]";
  first = false;
  appendMember(out, first, "count", cumulative);
  appendMember(out, first, "sumSeconds", static_cast<double>(metrics.latencySumUs()) / 1e6);
  out += "}}";
  return out;
}

}  // namespace spread::transport
