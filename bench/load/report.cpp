#include "report.h"

#include <cstdio>

#include "json_line.h"

namespace spread::bench {
namespace {

std::string pidList(const std::vector<int>& pids, const char* separator) {
  std::string text;
  for (int pid : pids) text += (text.empty() ? "" : separator) + std::to_string(pid);
  return text;
}

}  // namespace

std::string toJsonLine(const RunResult& r) {
  JsonLine json;
  json.add("label", r.label).add("mode", r.mode).add("publish_via", r.publishVia)
      .add("rate_target", r.rateTarget).add("duration_s", r.durationS)
      .add("subscribers", r.subscribersRequested).add("subscribers_connected", r.subscribersConnected)
      .add("subscribers_open_at_end", r.subscribersOpenAtEnd).add("connect_failures", r.connectFailures)
      .add("connect_all_ms", r.connectAllMs).add("connect_p50_ms", r.connectP50Ms)
      .add("connect_p99_ms", r.connectP99Ms).add("connect_max_ms", r.connectMaxMs)
      .add("publishers", r.publishers).add("publishes_sent", r.publishesSent).add("publishes", r.publishes)
      .add("publish_errors", r.publishErrors).add("publish_seconds", r.publishSeconds)
      .add("publishes_per_s", r.publishesPerS)
      .add("deliveries", r.deliveries).add("deliveries_per_s", r.deliveriesPerS).add("lost", r.lost)
      .add("reorders", r.reorders).add("duplicates", r.duplicates).add("unparsable", r.unparsable)
      .add("subscribers_dropped", r.subscribersDropped).add("subscribers_closed_other", r.subscribersClosedOther)
      .add("latency_samples", r.latencySamples).add("latency_p50_ms", r.latencyP50Ms)
      .add("latency_p99_ms", r.latencyP99Ms).add("latency_p999_ms", r.latencyP999Ms)
      .add("latency_max_ms", r.latencyMaxMs)
      .add("bench_cpu_s", r.benchCpuSeconds).add("bench_cpu_percent", r.benchCpuPercent);
  if (!r.serverPids.empty() && r.serverAfter) {
    // server_pid stays the first node's, as before several could be given; the figures are sums.
    json.add("server_pid", static_cast<std::uint32_t>(r.serverPids.front()))
        .addRaw("server_pids", "[" + pidList(r.serverPids, ",") + "]")
        .add("server_cpu_s", r.serverCpuSeconds)
        .add("server_cpu_us_per_delivery", r.serverCpuUsPerDelivery)
        .add("server_cpu_us_per_publish", r.serverCpuUsPerPublish)
        .add("server_rss_bytes", r.serverAfter->rssBytes)
        .add("server_rss_peak_bytes", r.serverAfter->rssPeakBytes)
        .add("server_threads", r.serverAfter->threads);
    if (r.serverBefore) json.add("server_rss_before_bytes", r.serverBefore->rssBytes);
    if (r.mode == "idle") json.add("server_rss_per_connection_bytes", r.serverRssPerConnectionBytes);
  }
  if (r.redisPid && r.redisAfter) {
    json.add("redis_pid", static_cast<std::uint32_t>(*r.redisPid))
        .add("redis_cpu_s", r.redisCpuSeconds)
        .add("redis_cpu_us_per_delivery", r.redisCpuUsPerDelivery)
        .add("redis_cpu_us_per_publish", r.redisCpuUsPerPublish)
        .add("redis_rss_bytes", r.redisAfter->rssBytes);
  }
  return json.finish();
}

std::string toSummary(const RunResult& r) {
  char buffer[2048];
  std::string out;
  std::snprintf(buffer, sizeof buffer,
                "spread-bench %s%s%s: %u/%u subscribers connected in %.0f ms (p50 %.2f ms, p99 %.2f ms, max %.2f ms)\n",
                r.mode.c_str(), r.label.empty() ? "" : " ", r.label.c_str(), r.subscribersConnected,
                r.subscribersRequested, r.connectAllMs, r.connectP50Ms, r.connectP99Ms, r.connectMaxMs);
  out += buffer;
  if (r.mode == "load") {
    std::snprintf(buffer, sizeof buffer,
                  "  publish   %u x %s, %s: %llu accepted (%.0f/s), %llu errors\n"
                  "  deliver   %llu (%.0f/s)  lost %llu  reorders %llu  duplicates %llu  dropped (1008) %u  other closes %u\n"
                  "  latency   p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  (%llu samples)\n",
                  r.publishers, r.publishVia.c_str(),
                  r.rateTarget > 0 ? (std::to_string(static_cast<long long>(r.rateTarget)) + " msg/s").c_str() : "flat out",
                  static_cast<unsigned long long>(r.publishes), r.publishesPerS,
                  static_cast<unsigned long long>(r.publishErrors), static_cast<unsigned long long>(r.deliveries),
                  r.deliveriesPerS, static_cast<unsigned long long>(r.lost), static_cast<unsigned long long>(r.reorders),
                  static_cast<unsigned long long>(r.duplicates), r.subscribersDropped, r.subscribersClosedOther,
                  r.latencyP50Ms, r.latencyP99Ms, r.latencyP999Ms, r.latencyMaxMs,
                  static_cast<unsigned long long>(r.latencySamples));
    out += buffer;
  }
  if (!r.serverPids.empty() && r.serverAfter) {
    std::snprintf(buffer, sizeof buffer,
                  "  server    pid %s: cpu %.2f s (%.3f us/delivery, %.3f us/publish), rss %.1f MiB, %u threads",
                  pidList(r.serverPids, "+").c_str(), r.serverCpuSeconds, r.serverCpuUsPerDelivery,
                  r.serverCpuUsPerPublish,
                  static_cast<double>(r.serverAfter->rssBytes) / 1048576.0, r.serverAfter->threads);
    out += buffer;
    if (r.mode == "idle") {
      std::snprintf(buffer, sizeof buffer, ", %.0f bytes/connection", r.serverRssPerConnectionBytes);
      out += buffer;
    }
    out += "\n";
  }
  if (r.redisPid && r.redisAfter) {
    std::snprintf(buffer, sizeof buffer,
                  "  redis     pid %d: cpu %.2f s (%.3f us/delivery, %.3f us/publish), rss %.1f MiB\n", *r.redisPid, r.redisCpuSeconds, r.redisCpuUsPerDelivery, r.redisCpuUsPerPublish,
                  static_cast<double>(r.redisAfter->rssBytes) / 1048576.0);
    out += buffer;
  }
  std::snprintf(buffer, sizeof buffer, "  bench     cpu %.2f s (%.0f%% of one core)\n", r.benchCpuSeconds,
                r.benchCpuPercent);
  out += buffer;
  for (const auto& note : r.notes) out += "  note: " + note + "\n";
  return out;
}

}  // namespace spread::bench
