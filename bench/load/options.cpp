#include "options.h"

#include <functional>
#include <map>
#include <string_view>

#include "command_line.h"
#include "number_text.h"

namespace spread::bench {

std::string usage() {
  return "usage: spread-bench --url http://HOST:PORT/ [options]\n"
         "       spread-bench churn --url http://HOST:PORT/ --server-pid PID [options]  (see churn --help)\n"
         "  --publish-url http://H:P/ publishers connect here, subscribers to --url (two nodes)\n"
         "  --tls-url https://H:P/    subscribers connect over wss to this TLS port (publishers keep --url)\n"
         "  --ca-file FILE            the PEM certificate --tls-url's server is trusted by\n"
         "  --topic T                 subscribe and publish on topic T (default: server's default)\n"
         "  --token JWT               for a server with auth.mode = jwt: sent with every request;\n"
         "                            its sub must be \"bench\", the name the messages carry\n"
         "  --subscribers N           WebSocket subscribers (default 10)\n"
         "  --publishers P            publishers (default 1)\n"
         "  --publish-via http|ws     POST /publish with keep-alive, or WebSocket text frames\n"
         "  --rate R                  messages/s over all publishers; 0 = flat out (default 0)\n"
         "  --ws-window W             flat out over ws: own messages in flight (default 8)\n"
         "  --duration S              seconds of publishing, or of holding with --idle (default 5)\n"
         "  --message-bytes B         pad each msg text to B bytes (default 64)\n"
         "  --idle                    only connect the subscribers and hold them\n"
         "  --server-pid PID          read the server's CPU, RSS and threads from /proc/PID; repeat it\n"
         "                            for several nodes (figures are their sums)\n"
         "  --redis-pid PID           also report this process's CPU, apart (the nodes' Redis)\n"
         "  --connect-concurrency C   handshakes in flight at once (default 64)\n"
         "  --connect-timeout S       give up connecting after S seconds (default 30)\n"
         "  --drain-timeout S         wait for late deliveries after publishing (default 3)\n"
         "  --status auto|on|off      live status line on stderr (auto: runs of 3 s or more)\n"
         "  --label TEXT              copied into the JSON line\n"
         "  --quiet                   print only the JSON line\n";
}

std::variant<BenchOptions, std::string> parseOptions(int argc, char** argv) {
  BenchOptions options;
  auto count = [](std::uint32_t& field, std::uint32_t min) {
    return [&field, min](std::string_view v) { return parseNumber(v, field) && field >= min; };
  };
  auto pid = [](auto store) {
    return [store](std::string_view v) {
      int value = 0;
      if (!parseNumber(v, value) || value <= 0) return false;
      store(value);
      return true;
    };
  };
  auto seconds = [](double& field) {
    return [&field](std::string_view v) { return parseNumber(v, field); };
  };
  const ValuedOptions valued = {
      {"--url", [&](std::string_view v) { options.url = v; return !v.empty(); }},
      {"--publish-url", [&](std::string_view v) { options.publishUrl = v; return !v.empty(); }},
      {"--tls-url", [&](std::string_view v) { options.tlsUrl = v; return !v.empty(); }},
      {"--ca-file", [&](std::string_view v) { options.caFile = v; return !v.empty(); }},
      {"--topic", [&](std::string_view v) { options.topic = v; return true; }},
      {"--token", [&](std::string_view v) { options.token = v; return !v.empty(); }},
      {"--subscribers", count(options.subscribers, 0)},
      {"--publishers", count(options.publishers, 0)},
      {"--publish-via", [&](std::string_view v) {
         if (v == "http") options.publishVia = PublishVia::kHttp;
         else if (v == "ws") options.publishVia = PublishVia::kWebSocket;
         else return false;
         return true; }},
      {"--rate", seconds(options.rate)},
      {"--ws-window", count(options.wsWindow, 1)},
      {"--duration", seconds(options.durationS)},
      {"--message-bytes", count(options.messageBytes, 0)},
      {"--server-pid", pid([&](int value) { options.serverPids.push_back(value); })},
      {"--redis-pid", pid([&](int value) { options.redisPid = value; })},
      {"--connect-concurrency", count(options.connectConcurrency, 1)},
      {"--connect-timeout", seconds(options.connectTimeoutS)},
      {"--drain-timeout", seconds(options.drainTimeoutS)},
      {"--status", [&](std::string_view v) {
         if (v == "auto") options.status = StatusLine::kAuto;
         else if (v == "on") options.status = StatusLine::kOn;
         else if (v == "off") options.status = StatusLine::kOff;
         else return false;
         return true; }},
      {"--label", [&](std::string_view v) { options.label = v; return true; }},
  };
  const FlagOptions flags = {{"--idle", [&] { options.idle = true; }}, {"--quiet", [&] { options.quiet = true; }}};
  if (const std::optional<CommandLineStop> stop = applyArguments(1, argc, argv, valued, flags)) {
    if (stop->help) return usage();
    return stop->problem + (stop->unknown ? "\n" + usage() : "");
  }
  if (options.url.rfind("http://", 0) != 0) return "--url must start with http:// (got '" + options.url + "')";
  if (!options.publishUrl.empty() && options.publishUrl.rfind("http://", 0) != 0) {
    return "--publish-url must start with http:// (got '" + options.publishUrl + "')";
  }
  if (!options.tlsUrl.empty() && (options.tlsUrl.rfind("https://", 0) != 0 || options.caFile.empty())) {
    return "--tls-url must start with https:// and come with --ca-file (got '" + options.tlsUrl + "')";
  }
  for (std::size_t i = 0; i < options.serverPids.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (options.serverPids[i] == options.serverPids[j]) {
        return "--server-pid " + std::to_string(options.serverPids[i]) + " is given twice: its CPU would count twice";
      }
    }
  }
  if (!options.idle && options.publishers == 0 && options.subscribers == 0) {
    return "nothing to do: --publishers and --subscribers are both 0";
  }
  return options;
}

}  // namespace spread::bench
