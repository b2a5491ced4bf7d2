#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace spread::transport {

/// One subscriber as a topic's presence lists it.
struct PresenceMember {
  std::string id;    // opaque, made by the presence: says nothing of the client or of other ids
  std::string name;  // what the client gave (?name=) or its token's subject; may be empty
};

/// Who is in a topic: the first members by join order, at most what was asked for.
struct PresenceList {
  std::vector<PresenceMember> members;
  std::size_t count = 0;   // every member, listed or not
  bool truncated = false;  // count > members.size()
};

/// What list() answers: the list, or why it could not be read (a shared presence whose store is
/// away: "redis 127.0.0.1:6379: connection refused"), in which case `list` is empty.
struct PresenceListing {
  PresenceList list;
  std::string problem;
  bool ok() const { return problem.empty(); }
};

/// Receives list()'s answer, exactly once, on whichever thread the presence answers on.
using PresenceListDone = std::function<void(PresenceListing listing)>;

/// What a subscriber asks of presence when it subscribes.
struct PresenceAsk {
  std::string name;     // already checked (length, UTF-8, the token's subject)
  bool events = false;  // ?presence=1: it wants the members frame, then join and leave frames
};

/// Receives a subscriber's presence frames (JSON text), in order. Called with the presence's
/// lock held: it must not block; it may end a session, which may call leave() reentrantly.
using PresenceSink = std::function<void(std::string json)>;

/// Who is subscribed to which topic. The in-process implementation knows this node's
/// subscribers; a shared engine (Redis) would implement the same interface across nodes.
/// Thread-safe: every method may be called on any thread.
class Presence {
 public:
  /// The most members one list shows, so that a big topic cannot make an unbounded answer.
  static constexpr std::size_t kMembersListedMax = 1000;

  virtual ~Presence() = default;

  /// Enters a subscriber of `topic` under `name` and returns its new id. With a `sink`, the
  /// subscriber first receives the members frame (the list with itself in it), then a join or
  /// leave frame for every other member who joins or leaves, until it leaves itself: frames
  /// for one topic are handed to its sinks in one order, so the list and the events have no
  /// gap between them. Members already there that have sinks receive a join frame.
  virtual std::string join(const std::string& topic, std::string name, PresenceSink sink) = 0;

  /// Removes the member `id` of `topic` (no-op if it is not there); the others' sinks receive
  /// a leave frame. Its own sink is not called again once this returns.
  virtual void leave(const std::string& topic, const std::string& id) = 0;

  /// The first `max` members of `topic` by join order, and how many there are, handed to
  /// `done` exactly once: during the call when the presence knows at once (the in-process
  /// one always does, and a shared one that cannot ask its store), otherwise later on a
  /// thread of the presence's. REQUIRES: the caller holds no lock that `done` takes.
  virtual void list(const std::string& topic, std::size_t max, PresenceListDone done) const = 0;

  /// Members of every topic: the gauge spread_presence_entries.
  virtual std::size_t entries() const = 0;
};

/// {"presence":"join"|"leave","id":…,"name":…}
std::string presenceEventJson(std::string_view kind, const PresenceMember& member);
/// {"presence":"members","self":…,"members":[…],"truncated":…}
std::string presenceMembersJson(const PresenceList& list, std::string_view selfId);
/// GET /presence's body: {"topic":…,"count":N,"members":[…],"truncated":…}
std::string presenceAnswerJson(std::string_view topic, const PresenceList& list);

}  // namespace spread::transport
