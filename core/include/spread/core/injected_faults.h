#pragma once

#include <set>
#include <string>
#include <string_view>

namespace spread::core {

/// Deliberate bugs in the real server code, switched on by name (spread-sim's hidden
/// --inject-bug option) to prove that the simulator's checker and its fuzzer catch a bug
/// where one would really be: in the broker, in transport::Session, in the WebSocket
/// protocol stack. Every switch is off by default.
///
/// Production never sets one: the daemon hands no InjectedFaults to anything, so every
/// component holds a null pointer to it. Each switch costs one predictable branch on that
/// null pointer, placed where the code already branches (a full queue, a close, a
/// fan-out target, invalid text), never on the common path's own work.
struct InjectedFaults {
  /// The broker's fan-out (core/src/topic_impl.cpp) silently skips every second
  /// subscription in its list (the 2nd, 4th, ...) for every message after the third that
  /// subscription was due; the subscriber is never told.
  bool topicSkipsSubscriber = false;
  /// A QueueSubscriber (a session's queue in the core) takes every message past its
  /// messagesMax and bytesMax bounds instead of answering kFull.
  bool queueForgetsBound = false;
  /// transport::Session, ending because its subscription ended in a way that must flush
  /// first (the topic closed at shutdown: 1001 "server shutting down"), discards what is
  /// still queued instead of handing it over before the close.
  bool unflushedClose = false;
  /// transport::Session closes a reader evicted for a full queue with 1001 "server
  /// shutting down" instead of 1008 "too slow to keep up".
  bool wrongDropCode = false;
  /// The WebSocket frame parser (plugins/websocket/ws/frame_parser.cpp) no longer fails a
  /// text message that is not valid UTF-8 (no 1007): it passes the bytes on as text.
  bool parserAcceptsBadUtf8 = false;

  /// Switches on the fault called `name` (one of names()); false if there is none.
  bool enable(std::string_view name);
  /// Every fault's name, as --inject-bug spells it.
  static const std::set<std::string>& names();
};

}  // namespace spread::core
