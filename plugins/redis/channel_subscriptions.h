#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace spread::plugins::redis {

/// The channels a link wants versus what its subscribing connection has confirmed, and what
/// to send to bring the two together. Redis confirms each (un)subscribe with a message;
/// every one sent has a deadline. Loop thread only; no I/O of its own.
class ChannelSubscriptions {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Change {
    bool subscribe;  // SUBSCRIBE, else UNSUBSCRIBE
    std::vector<std::string> channels;
  };

  /// Replaces the wanted set.
  void want(std::set<std::string> channels);
  bool wanted(std::string_view channel) const { return wanted_.find(channel) != wanted_.end(); }
  std::size_t wantedCount() const { return wanted_.size(); }

  /// The connection closed: nothing is subscribed any more, and the next ready starts over.
  void connectionLost();
  /// What to send now. `ready`: the connection was just (re)established. Channels in flight
  /// wait for their confirmation before they may change direction.
  std::vector<Change> reconcile(TimePoint deadline, bool ready);

  /// Redis confirmed a subscribe; true when the channel is still wanted.
  bool subscribeConfirmed(std::string_view channel);
  void unsubscribeConfirmed(std::string_view channel);

  /// Every channel subscribed at the last ready has been confirmed.
  bool synced() const { return syncPending_ == 0; }

  /// The channel whose confirmation is overdue at `now`, if any.
  std::optional<std::string> overdue(TimePoint now);
  std::optional<TimePoint> nextDeadline();

 private:
  enum class Stage { kSubscribing, kSubscribed, kUnsubscribing };
  struct Entry {
    Stage stage;
    std::uint64_t sequence;
    bool fromReady;
  };
  struct Deadline {
    TimePoint at;
    std::string channel;
    std::uint64_t sequence;
  };

  void dropConfirmedDeadlines();

  std::set<std::string, std::less<>> wanted_;
  std::map<std::string, Entry, std::less<>> active_;
  // In send order, which is deadline order (one timeout for all); confirmed ones are skipped lazily.
  std::deque<Deadline> deadlines_;
  std::uint64_t sequence_ = 0;
  std::size_t syncPending_ = 0;
};

}  // namespace spread::plugins::redis
