#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "scenario.h"

namespace spread::sim {

/// Where a scenario file is wrong and what was expected there.
struct ParseError {
  std::string file;
  int line = 0;
  std::string message;
  /// "<file>:<line>: <message>"
  std::string text() const { return file + ":" + std::to_string(line) + ": " + message; }
};

using ParseResult = std::variant<Scenario, ParseError>;

/// Reads the scenario format: one event a line, `# comments`, `set` lines first.
///
///   set <name> <value>
///   <time> join <client> [latency=<d>] [jitter=<d>] [window=<bytes>] [rate=<n>]
///   <time> subscribe <client> <topic> [queue=<n>]
///   <time> send <client> [<topic>] "<text>" [size=<n>]   (a WebSocket text frame)
///   <time> publish <client> <topic> "<text>"   (a POST /publish)
///   <time> burst <client> <topic> <count> [every=<d>] [size=<bytes of text>]
///   <time> stall|resume <client> [<topic>]      (resume takes [rate=<n>])
///   <time> disconnect <client>
///   <time> leave <client> [<topic>]
///   <time> shutdown [grace=<d>]
///   <time>|end expect [client] <client> [<topic>] received|published [>=|<=]<n>
///   <time>|end expect [client] <client> [<topic>] rejected [>=|<=]<n> [kind=<kind>]
///   <time>|end expect [client] <client> [<topic>] closed <code> | open | refused
///
/// A topic after the client picks the client's latest connection to it (leave: all its
/// connections to it), and needs an earlier subscribe line for that client and topic;
/// without one, stall and resume apply to every connection of the client, send to its
/// first open one, and expect to the client as a whole. In expect, the word after the
/// client is a topic unless it is an expectation word not followed by another
/// ("expect a received received 1" reads the topic "received").
/// `closed` is the close code the server sent on the latest connection (or, if the server
/// sent none, how it ended: 1000 for leave, 1006 for disconnect); `open` means the client
/// has a connection that has not ended (with a topic: its latest one there has not);
/// `published` counts POSTs answered 204 plus the text frames topics accepted (told apart
/// by their bytes; see FrameAttribution), `rejected` POSTs refused plus error frames read,
/// and kind= only those of one RejectionKind (bad_request, bad_topic, busy, draining or
/// rate_limited).
/// Times are absolute and never decrease; durations are written 250us, 10ms, 1.5s.
/// Static mistakes (a client used before it joined) are errors too. `file` names the
/// source in error messages.
ParseResult parseScenario(std::string_view text, const std::string& file);

/// Reads and parses a file; a file that cannot be read is a ParseError on line 0.
ParseResult loadScenario(const std::string& path);

}  // namespace spread::sim
