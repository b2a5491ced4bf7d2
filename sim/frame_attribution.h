#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "spread/plugins/sim/sim_control.h"

namespace spread::sim {

using plugins::sim::ConnectionId;

/// Tells which connection sent a text frame that a topic accepted. A session answers a
/// refused frame with an error frame and an accepted one with nothing, and nothing between
/// the sessions and the broker says which session a publish came from (telling would take
/// a hook in the sim transport); so the accepted bytes are matched against the frames the
/// scenario's clients sent to that topic, as the Checker matches publishes to their
/// publishers. A frame's bytes name its client ({"name":<client>,...}), so only a client's
/// own frames and POSTs can share them.
///
/// A match is sure when the bytes name frames of one connection alone and no POST of the
/// same bytes to the topic awaits its answer. Otherwise it is unsure, and each candidate
/// is told it may be its, but no more often than it sent those bytes: a count is then a
/// range, never a guess. Refused frames stay candidates (no report names the frame an
/// error answers), which can only make a later match unsure. A byte-level client that
/// spells out another client's frame byte for byte would be taken for it.
class FrameAttribution {
 public:
  struct Match {
    std::vector<ConnectionId> senders;  // every connection that sent these bytes there, in id order
    std::vector<ConnectionId> credit;   // those whose count it goes to: the one sender when sure,
                                        // else those it may still be from
    bool postAwaited = false;           // a POST of the same bytes to the topic awaits its answer
    bool sure() const { return senders.size() == 1 && !postAwaited; }
  };

  /// `connection` sent `bytes` as a text frame, a publish to its topic `topic`.
  void frameSent(ConnectionId connection, const std::string& topic, const std::string& bytes);
  /// POST `requestId` of `bytes` to `topic` went out; postAnswered() when its answer came.
  void postSent(std::uint64_t requestId, const std::string& topic, const std::string& bytes);
  void postAnswered(std::uint64_t requestId);
  /// `topic` accepted `bytes`: the connections that may have sent it. A sure match uses
  /// up one of its connection's frames.
  Match accepted(const std::string& topic, const std::string& bytes);

 private:
  static std::uint64_t postKey(const std::string& topic, const std::string& bytes);

  struct Sent {
    std::uint64_t unmatched = 0;  // frames of these bytes not matched for sure
    std::uint64_t maybe = 0;      // unsure matches credited to it since
  };
  using BySender = std::map<ConnectionId, Sent>;
  // topic -> bytes -> connection -> its frames of those bytes (looked up without a copy of
  // every accepted message)
  std::map<std::string, std::map<std::string, BySender, std::less<>>, std::less<>> frames_;
  // POSTs awaiting answers, by a hash of topic and bytes: a collision can only make a
  // match unsure, never wrong.
  std::unordered_map<std::uint64_t, std::uint64_t> postsAwaited_;
  std::unordered_map<std::uint64_t, std::uint64_t> postKeyOf_;  // request id -> its key
};

}  // namespace spread::sim
