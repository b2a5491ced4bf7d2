#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace spread::bench {

enum class PublishVia { kHttp, kWebSocket };
enum class StatusLine { kAuto, kOn, kOff };

/// spread-bench's command line. Defaults make a short, small run.
struct BenchOptions {
  std::string url = "http://127.0.0.1:8000/";  // the server's base URL
  std::string publishUrl;                       // publishers connect here instead of url (another node)
  std::string tlsUrl;                           // subscribers connect here (wss) instead of url
  std::string caFile;                           // the certificate tlsUrl's server is trusted by
  std::string topic;                            // empty: the server's default topic
  std::string token;                            // auth.mode = jwt: sent as ?token= (sub "bench")
  std::uint32_t subscribers = 10;
  std::uint32_t publishers = 1;
  PublishVia publishVia = PublishVia::kHttp;
  double rate = 0;                   // messages/s over all publishers; 0 = closed loop, flat out
  std::uint32_t wsWindow = 8;        // flat out over WebSocket: own messages not yet echoed back
  double durationS = 5;              // publishing time (or holding time with --idle)
  std::uint32_t messageBytes = 64;   // the "msg" text is padded to this size
  bool idle = false;                 // only hold the subscribers open
  std::vector<int> serverPids;       // read CPU, RSS and threads from /proc/<pid>, summed over them
  std::optional<int> redisPid;       // a process whose CPU is reported apart (the nodes' Redis)
  std::uint32_t connectConcurrency = 64;  // handshakes in flight at once
  double connectTimeoutS = 30;
  double drainTimeoutS = 3;          // after publishing stops, wait this long for stragglers
  StatusLine status = StatusLine::kAuto;
  std::string label;                 // copied into the JSON line
  bool quiet = false;                // no human summary
};

/// The options, or a message naming the bad argument. `--help` gives an error whose text
/// is the usage.
std::variant<BenchOptions, std::string> parseOptions(int argc, char** argv);

std::string usage();

}  // namespace spread::bench
