#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "options.h"

namespace spread::bench {

/// The kinds of life a churn client slot lives, one after another.
enum class LifeKind : std::uint8_t {
  kGoodReader,  // subscribes, reads everything, closes cleanly with 1000; checked for loss
  kStaller,     // subscribes, then stops reading: the server should drop it (1008)
  kPingFlooder, // subscribes, sends pings and never reads: the server should stop it
  kVanisher,    // subscribes, reads a while, then closes the TCP connection (FIN or RST)
  kHalfOpen,    // sends part of an upgrade request and waits for the server to hang up
};
inline constexpr std::size_t kLifeKinds = 5;

/// The name used on the command line and in the JSON line ("good", "staller", ...).
const char* lifeKindName(LifeKind kind);

/// `spread-bench churn`'s command line. The defaults fit a 2-core machine with a 4096
/// descriptor limit: 2,000 client slots, one socket each, plus the publishers.
struct ChurnOptions {
  std::string url;
  int serverPid = 0;                    // required: the verdict reads /proc/PID
  std::uint32_t clients = 2000;         // client slots, each living one life at a time
  double durationS = 60;                // the soak, after the warm-up
  double warmupS = 30;                  // the same churn before the baseline sample
  std::uint32_t publishers = 8;         // HTTP keep-alive publishers, publisher i on topic i mod T
  std::uint32_t topics = 4;             // topics churn-0 ... churn-(T-1)
  double rate = 400;                    // messages/s over all publishers, on a fixed schedule
  double warmupRate = 0;                // the same during the warm-up; 0 = 3 x rate
  std::uint32_t messageBytes = 128;     // the "msg" text is padded to this size
  std::uint64_t seed = 1;               // every life's choices come from this seed
  std::array<std::uint32_t, kLifeKinds> mix = {50, 12, 6, 20, 12};  // weights, in LifeKind order
  double lifeMinS = 0.5;                // how long a good reader reads, a vanisher lives, a flooder floods
  double lifeMaxS = 8;
  double stallMinS = 5;                 // how long a staller stalls: long enough, at the default rate,
  double stallMaxS = 30;                // for about half of them to overflow a default-sized queue
  double floodRate = 1000;              // pings/s per flooder; 0 = as fast as the socket takes them
  double halfOpenWaitS = 30;            // a half-open handshaker gives up after this long
  double readerSettleS = 5;             // a good reader waits this long for what it is owed
  double serverSettleS = 20;            // after the run, wait this long for the server to settle
  double cleanMinPercent = 90;          // good readers ending on their own that must close cleanly
  double rssSlackPercent = 5;           // allowed growth over the baseline
  double fdSlackPercent = 5;
  std::uint32_t fdSlack = 8;            // ... or this many, whichever is larger
  double threadSlackPercent = 5;
  std::uint32_t threadSlack = 2;
  StatusLine status = StatusLine::kAuto;
  std::string label;
  bool quiet = false;
};

/// Parses the arguments after "churn": the options, or a message naming the bad argument.
/// `--help` gives an error whose text is the usage.
std::variant<ChurnOptions, std::string> parseChurnOptions(int argc, char** argv);

std::string churnUsage();

}  // namespace spread::bench
