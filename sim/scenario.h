#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rejection_kind.h"
#include "spread/core/time.h"

namespace spread::sim {

/// Limits and timings a scenario may set with `set <name> <value>` lines. Defaults are
/// the daemon's, except where a simulation wants shorter time scales.
struct Settings {
  std::uint64_t seed = 1;
  std::size_t queueBytes = 1 << 20;
  std::size_t sendWindowBytes = 16 * 1024;
  std::size_t messageBytesMax = 64 * 1024;
  core::Duration pingInterval = std::chrono::seconds(20);
  core::Duration idleTimeout = std::chrono::seconds(60);
  core::Duration publishWait = std::chrono::milliseconds(100);
  std::size_t fanoutBatch = 64;
  std::size_t inboundMessagesMax = 1024;
  std::size_t topicsMax = 1024;
  core::Duration topicLinger = std::chrono::seconds(1);
  core::Duration closeTimeout = std::chrono::seconds(2);
  /// The server checks tokens (auth.mode = jwt); each client carries the one its join gave.
  bool tokens = false;
  /// Messages each topic keeps (history.size); 0: none, as by default, and messages are
  /// then sent as published, without offset and epoch.
  std::size_t history = 0;
  /// Cluster nodes (`set nodes 2|3`): each a Broker and ClusterEngine sharing one
  /// SimBackplane; 1 is the single server of every other scenario.
  int nodes = 1;

  friend bool operator==(const Settings&, const Settings&) = default;
};

/// What an `expect` line asserts about a client, or (when the event names a topic) about
/// the client's latest connection to that topic.
struct Expectation {
  enum class Kind { kReceived, kPublished, kRejected, kClosed, kOpen, kRefused, kGot, kEnded, kResumed };
  enum class Compare { kEqual, kAtLeast, kAtMost };
  Kind kind = Kind::kReceived;
  Compare compare = Compare::kEqual;
  std::uint64_t count = 0;  // kReceived: messages read; kPublished/kRejected: publishes
  std::optional<RejectionKind> rejection;  // kRejected: count only refusals of this kind
  int code = 0;             // kClosed: the close code of the client's latest connection
  std::optional<std::string> reason;  // kClosed: its reason too, when the line gives one;
                                      // kResumed: "ok", or why the resume was impossible
  std::string bytes;                  // kGot: bytes the client's streams must have heard

  friend bool operator==(const Expectation&, const Expectation&) = default;
};

/// One timed line of a scenario.
struct Event {
  enum class Kind {
    kJoin,
    kSubscribe,
    kSend,
    kPublish,
    kBurst,
    kStall,
    kResume,
    kLeave,
    kDisconnect,
    kShutdown,
    kExpect,
    kRaw,    // a byte-level client sends bytes of its own making
    kFrame,  // a byte-level client sends one WebSocket frame
    kLink,       // a cluster node's link to the backplane is cut, healed or delayed
    kBackplane,  // the backplane restarts, losing its logs
  };
  enum class LinkChange { kCut, kHeal, kDelay };

  Kind kind = Kind::kJoin;
  int line = 0;         // where it was written; 0 for generated events not yet written
  core::Duration at{};  // virtual time since the start
  bool atEnd = false;   // `end expect ...`: checked once the run is over
  std::string client;
  std::string topic;                      // subscribe, publish, burst; optional for stall, resume,
                                          // send and expect (the client's latest connection
                                          // to that topic) and leave (all of them)
  std::string text;                       // send, publish, burst
  std::size_t count = 0;                  // burst
  core::Duration every{};                 // burst spacing
  std::optional<std::size_t> size;        // burst, send: pad the text to this many bytes
  std::optional<std::size_t> queue;       // subscribe
  bool sinceRead = false;                 // subscribe since=read: resume after the last
                                          // message the client read from the topic
  std::optional<std::size_t> last;        // subscribe last=N: the newest N kept
  std::optional<core::Duration> latency;  // join
  std::optional<core::Duration> jitter;   // join
  std::optional<std::size_t> window;      // join
  std::optional<std::uint64_t> rate;      // join, resume: messages read per second
  std::optional<std::string> token;       // join: "none", "forged", "forever" or a lifetime ("50ms")
  core::Duration grace{};                 // shutdown
  Expectation expect;
  // frame: the opcode's number, the close code to put before the text, FIN, and whether
  // it is masked as a client must
  int opcode = 1;
  std::optional<int> closeCode;
  bool fin = true;
  bool masked = true;
  // join: the cluster node the client uses; link: the node whose link changes
  int node = 1;
  LinkChange linkChange = LinkChange::kCut;  // link
  core::Duration delay{};                    // link delay=; backplane restart's down=

  friend bool operator==(const Event&, const Event&) = default;
};

struct Scenario {
  std::string file;  // for messages: "<file>:<line>"
  Settings settings;
  std::vector<Event> events;  // in time order; `end` expectations last
};

std::string_view toString(Event::Kind kind);

/// "text", "binary", "close"...: the scenario word for a WebSocket opcode; empty for one
/// RFC 6455 leaves unnamed (a frame line then gives its number).
std::string_view opcodeName(int opcode);

/// "1500us", "2ms", "1s": the shortest exact spelling of a duration.
std::string formatDuration(core::Duration duration);

/// One event as a scenario line (without the line number).
std::string formatEvent(const Event& event);

/// The whole scenario as text the parser reads back into the same events and settings
/// (settings equal to their defaults are left out). `header` lines become comments.
std::string formatScenario(const Scenario& scenario, const std::string& header = {});

/// Body of the chat message a client publishes: {"name":<client>,"msg":<text>}.
std::string chatBody(const std::string& client, const std::string& text);

}  // namespace spread::sim
