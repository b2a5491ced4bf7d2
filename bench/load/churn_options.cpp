#include "churn_options.h"

#include <functional>
#include <map>
#include <string_view>

#include "command_line.h"
#include "number_text.h"

namespace spread::bench {
namespace {

constexpr std::array<const char*, kLifeKinds> kKindNames = {"good", "staller", "flooder", "vanisher", "halfopen"};

// "good=50,staller=10": the kinds named get their weight, the others none.
bool parseMix(std::string_view text, std::array<std::uint32_t, kLifeKinds>& mix, std::string& error) {
  std::array<std::uint32_t, kLifeKinds> parsed{};
  std::uint64_t total = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const std::size_t equals = item.find('=');
    const std::string_view name = item.substr(0, equals);
    std::size_t kind = 0;
    while (kind < kLifeKinds && name != kKindNames[kind]) ++kind;
    if (kind == kLifeKinds) {
      error = "--mix: unknown kind '" + std::string(name) + "' (kinds: good, staller, flooder, vanisher, halfopen)";
      return false;
    }
    if (equals == std::string_view::npos || !parseNumber(item.substr(equals + 1), parsed[kind])) {
      error = "--mix: '" + std::string(item) + "' is not KIND=WEIGHT";
      return false;
    }
    total += parsed[kind];
  }
  if (total == 0) {
    error = "--mix: every weight is 0";
    return false;
  }
  mix = parsed;
  return true;
}

}  // namespace

const char* lifeKindName(LifeKind kind) { return kKindNames[static_cast<std::size_t>(kind)]; }

std::string churnUsage() {
  return "usage: spread-bench churn --url http://HOST:PORT/ --server-pid PID [options]\n"
         "  Client slots live random lives (good readers, stallers, ping flooders, vanishers,\n"
         "  half-open handshakers) while publishers publish; then the server's RSS, descriptors\n"
         "  and threads must be back near their baseline, no good reader may have lost a message,\n"
         "  and nearly every good reader must have been served to its clean close.\n"
         "  --clients N               client slots, one connection each at a time (default 2000)\n"
         "  --duration S              seconds of churn after the warm-up (default 60)\n"
         "  --warmup S                seconds of the same churn before the baseline; make it at least\n"
         "                            the longest life (--stall-max) (default 30)\n"
         "  --publishers P            HTTP keep-alive publishers (default 8)\n"
         "  --topics T                topics churn-0..churn-(T-1); publisher i uses i mod T (default 4)\n"
         "  --rate R                  messages/s over all publishers (default 400)\n"
         "  --warmup-rate R           messages/s during the warm-up (default 3 x --rate)\n"
         "  --message-bytes B         pad each msg text to B bytes (default 128)\n"
         "  --seed X                  seed of every life's choices (default 1)\n"
         "  --mix good=W,staller=W,flooder=W,vanisher=W,halfopen=W\n"
         "                            weights of the kinds of life; unnamed kinds get 0\n"
         "                            (default good=50,staller=12,flooder=6,vanisher=20,halfopen=12)\n"
         "  --life-min S, --life-max S  how long a good reader reads, a vanisher lives and a flooder\n"
         "                            floods (default 0.5, 8)\n"
         "  --stall-min S, --stall-max S  how long a staller stalls (default 5, 30)\n"
         "  --flood-rate R            pings/s per flooder; 0 = as fast as the socket takes them (default 1000)\n"
         "  --half-open-wait S        a half-open handshaker gives up after S (default 30)\n"
         "  --reader-settle S         a good reader waits S for what it is owed before closing (default 5)\n"
         "  --server-settle S         after the run, wait up to S for the server to settle (default 20)\n"
         "  --clean-min PCT           of the good readers whose life ended on its own (not cut by the\n"
         "                            end of a phase), the share that must close cleanly (default 90)\n"
         "  --rss-slack PCT           allowed RSS growth over the baseline, percent (default 5)\n"
         "  --fd-slack PCT,N          allowed descriptor growth: PCT percent or N, the larger (default 5,8)\n"
         "  --thread-slack PCT,N      allowed thread growth, the same way (default 5,2)\n"
         "  --status auto|on|off      live status line on stderr (auto: runs of 3 s or more)\n"
         "  --label TEXT              copied into the JSON line\n"
         "  --quiet                   print only the JSON line\n"
         "Exit status: 0 the verdict passed, 1 it failed (the summary names what failed) or the\n"
         "run could not start, 2 bad arguments.\n";
}

std::variant<ChurnOptions, std::string> parseChurnOptions(int argc, char** argv) {
  ChurnOptions options;
  std::string mixError;
  auto count = [](std::uint32_t& field, std::uint32_t min) {
    return [&field, min](std::string_view v) { return parseNumber(v, field) && field >= min; };
  };
  auto seconds = [](double& field) { return [&field](std::string_view v) { return parseNumber(v, field); }; };
  auto slack = [](double& percent, std::uint32_t& absolute) {
    return [&percent, &absolute](std::string_view v) {
      const std::size_t comma = v.find(',');
      return comma != std::string_view::npos && parseNumber(v.substr(0, comma), percent) &&
             parseNumber(v.substr(comma + 1), absolute);
    };
  };
  const ValuedOptions valued = {
      {"--url", [&](std::string_view v) { options.url = v; return !v.empty(); }},
      {"--server-pid", [&](std::string_view v) { return parseNumber(v, options.serverPid) && options.serverPid > 0; }},
      {"--clients", count(options.clients, 1)},
      {"--duration", seconds(options.durationS)},
      {"--warmup", seconds(options.warmupS)},
      {"--publishers", count(options.publishers, 1)},
      {"--topics", count(options.topics, 1)},
      {"--rate", [&](std::string_view v) { return parseNumber(v, options.rate) && options.rate > 0; }},
      {"--warmup-rate", seconds(options.warmupRate)},
      {"--message-bytes", count(options.messageBytes, 0)},
      {"--seed", [&](std::string_view v) { return parseNumber(v, options.seed); }},
      {"--mix", [&](std::string_view v) { return parseMix(v, options.mix, mixError); }},
      {"--life-min", seconds(options.lifeMinS)},
      {"--life-max", seconds(options.lifeMaxS)},
      {"--stall-min", seconds(options.stallMinS)},
      {"--stall-max", seconds(options.stallMaxS)},
      {"--flood-rate", seconds(options.floodRate)},
      {"--half-open-wait", seconds(options.halfOpenWaitS)},
      {"--reader-settle", seconds(options.readerSettleS)},
      {"--server-settle", seconds(options.serverSettleS)},
      {"--rss-slack", seconds(options.rssSlackPercent)},
      {"--clean-min", [&](std::string_view v) {
         return parseNumber(v, options.cleanMinPercent) && options.cleanMinPercent <= 100; }},
      {"--fd-slack", slack(options.fdSlackPercent, options.fdSlack)},
      {"--thread-slack", slack(options.threadSlackPercent, options.threadSlack)},
      {"--status", [&](std::string_view v) {
         if (v == "auto") options.status = StatusLine::kAuto;
         else if (v == "on") options.status = StatusLine::kOn;
         else if (v == "off") options.status = StatusLine::kOff;
         else return false;
         return true; }},
      {"--label", [&](std::string_view v) { options.label = v; return true; }},
  };
  const FlagOptions flags = {{"--quiet", [&] { options.quiet = true; }}};
  if (const std::optional<CommandLineStop> stop = applyArguments(0, argc, argv, valued, flags)) {
    if (stop->help) return churnUsage();
    if (!mixError.empty()) return "churn: " + mixError;
    return "churn: " + stop->problem + (stop->unknown ? "\n" + churnUsage() : "");
  }
  if (options.url.empty()) return "churn: --url is required";
  if (options.url.rfind("http://", 0) != 0) return "churn: --url must start with http:// (got '" + options.url + "')";
  if (options.serverPid == 0) return "churn: --server-pid is required: the verdict reads the server's /proc/PID";
  if (options.publishers < options.topics) {
    return "churn: --publishers (" + std::to_string(options.publishers) + ") must be at least --topics (" +
           std::to_string(options.topics) + "), so every topic has a publisher";
  }
  if (options.lifeMaxS < options.lifeMinS) return "churn: --life-max must not be below --life-min";
  if (options.stallMaxS < options.stallMinS) return "churn: --stall-max must not be below --stall-min";
  if (options.durationS <= 0) return "churn: --duration must be above 0";
  if (options.warmupRate == 0) options.warmupRate = 3 * options.rate;
  return options;
}

}  // namespace spread::bench
