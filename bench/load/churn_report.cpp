#include "churn_report.h"

#include <cstdio>

#include "churn_verdict.h"
#include "json_line.h"

namespace spread::bench {
namespace {

constexpr std::array<LifeKind, kLifeKinds> kKinds = {LifeKind::kGoodReader, LifeKind::kStaller, LifeKind::kPingFlooder,
                                                     LifeKind::kVanisher, LifeKind::kHalfOpen};

double usToMs(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }
double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / 1048576.0; }

std::string sampleJson(const ServerSample& sample) {
  JsonLine json;
  json.add("rss_bytes", sample.process.rssBytes)
      .add("rss_peak_bytes", sample.process.rssPeakBytes)
      .add("descriptors", sample.descriptors)
      .add("threads", sample.process.threads);
  return json.finish();
}

std::uint64_t livesOf(const ChurnTally& tally) {
  std::uint64_t lives = 0;
  for (const auto& kind : tally.kinds) lives += kind.started;
  return lives;
}

}  // namespace

std::string toChurnJsonLine(const ChurnResult& r) {
  const ChurnOptions& o = r.options;
  const ChurnTally& t = r.tally;
  JsonLine mix;
  JsonLine lives;
  JsonLine outcomes;
  for (LifeKind kind : kKinds) {
    const auto index = static_cast<std::size_t>(kind);
    mix.add(lifeKindName(kind), o.mix[index]);
    lives.add(lifeKindName(kind), t.kinds[index].started);
    JsonLine ends;
    for (const auto& [outcome, count] : t.kinds[index].outcomes) ends.add(outcome.c_str(), count);
    outcomes.addRaw(lifeKindName(kind), ends.finish());
  }
  std::string failures = "[";
  for (const auto& failure : r.failures) failures += (failures.size() > 1 ? "," : "") + JsonLine::quote(failure);
  failures += "]";

  JsonLine json;
  json.add("label", o.label).add("mode", "churn").add("seed", std::uint64_t{o.seed}).add("clients", o.clients)
      .add("duration_s", o.durationS).add("warmup_s", o.warmupS).add("publishers", o.publishers)
      .add("topics", o.topics).add("rate_target", o.rate).add("message_bytes", o.messageBytes)
      .add("flood_rate", o.floodRate).addRaw("mix", mix.finish())
      .add("lives", livesOf(t)).addRaw("lives_by_kind", lives.finish()).addRaw("outcomes", outcomes.finish())
      .add("readers_judged", t.readersJudged).add("readers_with_loss", t.readersWithLoss).add("owed", t.owed)
      .add("missing", t.missing).add("skipped", t.skipped).add("duplicates", t.duplicates).add("reorders", t.reorders)
      .add("phantom", t.phantom).add("foreign", t.foreign).add("unparsable", t.unparsable)
      .add("deliveries", t.deliveries)
      .add("confirm_p50_ms", usToMs(t.confirmUs.percentile(0.5)))
      .add("confirm_p99_ms", usToMs(t.confirmUs.percentile(0.99)))
      .add("confirm_max_ms", usToMs(t.confirmUs.max()))
      .add("half_open_held_p50_ms", usToMs(t.halfOpenHeldUs.percentile(0.5)))
      .add("half_open_held_max_ms", usToMs(t.halfOpenHeldUs.max()))
      .add("publishes_sent", r.publishesSent).add("publishes", r.publishesAccepted)
      .add("publishes_refused", r.publishesRefused).add("publishes_unknown", r.publishesUnknown)
      .add("publisher_reconnects", r.publisherReconnects).add("soak_s", r.soakSeconds)
      .add("soak_publishes_per_s", r.soakPublishesPerS)
      .add("server_pid", static_cast<std::uint32_t>(o.serverPid));
  if (r.cold) json.addRaw("server_cold", sampleJson(*r.cold));
  if (r.baseline) json.addRaw("server_baseline", sampleJson(*r.baseline));
  if (r.peak) json.addRaw("server_peak", sampleJson(*r.peak));
  if (r.after) json.addRaw("server_after", sampleJson(*r.after));
  json.add("baseline_settle_s", r.baselineSettleS).add("baseline_settled", r.baselineSettled)
      .add("after_settle_s", r.afterSettleS).add("after_settled", r.afterSettled)
      .add("server_cpu_s", r.serverCpuSeconds)
      .add("bench_cpu_s", r.benchCpuSeconds).add("bench_cpu_percent", r.benchCpuPercent)
      .add("pass", r.failures.empty()).addRaw("failures", failures);
  return json.finish();
}

std::string toChurnSummary(const ChurnResult& r) {
  const ChurnOptions& o = r.options;
  const ChurnTally& t = r.tally;
  char line[512];
  std::string out;
  std::snprintf(line, sizeof line,
                "spread-bench churn%s%s (seed %llu): %u slots, %.0f s soak after a %.0f s warm-up, "
                "%u publishers on %u topics at %.0f msg/s\n",
                o.label.empty() ? "" : " ", o.label.c_str(), static_cast<unsigned long long>(o.seed), o.clients,
                o.durationS, o.warmupS, o.publishers, o.topics, o.rate);
  out += line;
  std::snprintf(line, sizeof line, "  lives     %llu over the warm-up and the soak\n",
                static_cast<unsigned long long>(livesOf(t)));
  out += line;
  for (LifeKind kind : kKinds) {
    const auto& perKind = t.kinds[static_cast<std::size_t>(kind)];
    if (perKind.started == 0) continue;
    std::snprintf(line, sizeof line, "  %-9s %7llu:", lifeKindName(kind), static_cast<unsigned long long>(perKind.started));
    out += line;
    const char* separator = " ";
    for (const auto& [outcome, count] : perKind.outcomes) {
      out += separator + outcome + " " + std::to_string(count);
      separator = ", ";
    }
    out += "\n";
  }
  std::snprintf(line, sizeof line,
                "  readers   %llu judged, %llu with loss: owed %llu, missing %llu (skipped %llu), duplicates %llu, "
                "reorders %llu, "
                "phantom %llu, foreign %llu, unparsable %llu; first message after p50 %.2f ms, p99 %.2f ms\n",
                static_cast<unsigned long long>(t.readersJudged), static_cast<unsigned long long>(t.readersWithLoss),
                static_cast<unsigned long long>(t.owed), static_cast<unsigned long long>(t.missing),
                static_cast<unsigned long long>(t.skipped), static_cast<unsigned long long>(t.duplicates), static_cast<unsigned long long>(t.reorders),
                static_cast<unsigned long long>(t.phantom), static_cast<unsigned long long>(t.foreign),
                static_cast<unsigned long long>(t.unparsable), usToMs(t.confirmUs.percentile(0.5)),
                usToMs(t.confirmUs.percentile(0.99)));
  out += line;
  if (t.halfOpenHeldUs.count() > 0) {
    std::snprintf(line, sizeof line, "  half-open hung up on after p50 %.0f ms, max %.0f ms\n",
                  usToMs(t.halfOpenHeldUs.percentile(0.5)), usToMs(t.halfOpenHeldUs.max()));
    out += line;
  }
  std::snprintf(line, sizeof line,
                "  publish   %llu sent, %llu accepted (%.0f/s in the soak), %llu refused, %llu unanswered, "
                "%llu reconnects\n",
                static_cast<unsigned long long>(r.publishesSent), static_cast<unsigned long long>(r.publishesAccepted),
                r.soakPublishesPerS, static_cast<unsigned long long>(r.publishesRefused),
                static_cast<unsigned long long>(r.publishesUnknown),
                static_cast<unsigned long long>(r.publisherReconnects));
  out += line;
  std::snprintf(line, sizeof line, "  server    pid %-8d     RSS MiB  (high-water)  descriptors  threads\n", o.serverPid);
  out += line;
  auto row = [&](const char* name, const std::optional<ServerSample>& sample, const std::string& extra) {
    if (!sample) {
      out += std::string("            ") + name + "   (no sample)\n";
      return;
    }
    std::snprintf(line, sizeof line, "            %-12s %8.2f  (%10.2f)  %11u  %7u%s\n", name, mib(sample->process.rssBytes),
                  mib(sample->process.rssPeakBytes), sample->descriptors, sample->process.threads, extra.c_str());
    out += line;
  };
  char settled[96];
  row("cold", r.cold, "");
  std::snprintf(settled, sizeof settled, "  (%s in %.1f s)", r.baselineSettled ? "settled" : "NOT settled", r.baselineSettleS);
  row("baseline", r.baseline, o.warmupS > 0 ? settled : "  (no warm-up: the cold sample)");
  row("soak peak", r.peak, "");
  std::snprintf(settled, sizeof settled, "  (%s in %.1f s)", r.afterSettled ? "settled" : "NOT settled", r.afterSettleS);
  row("after", r.after, settled);
  if (r.baseline) {
    std::snprintf(line, sizeof line, "  allowed   RSS +%.1f%%, descriptors +%llu, threads +%llu over the baseline\n",
                  o.rssSlackPercent,
                  static_cast<unsigned long long>(allowedGrowth(r.baseline->descriptors, o.fdSlackPercent, o.fdSlack)),
                  static_cast<unsigned long long>(
                      allowedGrowth(r.baseline->process.threads, o.threadSlackPercent, o.threadSlack)));
    out += line;
  }
  std::snprintf(line, sizeof line, "  cpu       server %.2f s in the soak; bench %.2f s (%.0f%% of one core)\n",
                r.serverCpuSeconds, r.benchCpuSeconds, r.benchCpuPercent);
  out += line;
  for (const auto& note : t.notes) out += "  note: " + note + "\n";
  for (const auto& note : r.notes) out += "  note: " + note + "\n";
  if (r.failures.empty()) {
    out += "  verdict   PASS\n";
  } else {
    out += "  verdict   FAIL\n";
    for (const auto& failure : r.failures) out += "    - " + failure + "\n";
  }
  return out;
}

}  // namespace spread::bench
