#include "channel_subscriptions.h"

namespace spread::plugins::redis {

namespace {
// Channels per SUBSCRIBE or UNSUBSCRIBE command, so a resubscription of many topics is a
// few commands rather than one per topic or one of unbounded size.
constexpr std::size_t kChannelsPerCommand = 512;
}  // namespace

void ChannelSubscriptions::want(std::set<std::string> channels) {
  wanted_ = std::set<std::string, std::less<>>(std::make_move_iterator(channels.begin()),
                                               std::make_move_iterator(channels.end()));
}

void ChannelSubscriptions::connectionLost() {
  active_.clear();
  deadlines_.clear();
  syncPending_ = 0;
}

std::vector<ChannelSubscriptions::Change> ChannelSubscriptions::reconcile(TimePoint deadline, bool ready) {
  std::vector<Change> changes;
  auto add = [&](bool subscribe, const std::string& channel) {
    if (changes.empty() || changes.back().subscribe != subscribe ||
        changes.back().channels.size() == kChannelsPerCommand) {
      changes.push_back({subscribe, {}});
    }
    changes.back().channels.push_back(channel);
    deadlines_.push_back({deadline, channel, ++sequence_});
  };
  // Unsubscribes first: a caller that swaps one channel for another and waits for the new
  // one's confirmation knows the old one is gone too (Redis answers in order).
  for (auto& [channel, entry] : active_) {
    if (entry.stage != Stage::kSubscribed || wanted_.count(channel) != 0) continue;
    add(false, channel);
    entry = {Stage::kUnsubscribing, sequence_, false};
  }
  for (const std::string& channel : wanted_) {
    if (active_.count(channel) != 0) continue;
    add(true, channel);
    active_[channel] = {Stage::kSubscribing, sequence_, ready};
    if (ready) ++syncPending_;
  }
  return changes;
}

bool ChannelSubscriptions::subscribeConfirmed(std::string_view channel) {
  auto found = active_.find(channel);
  if (found == active_.end() || found->second.stage != Stage::kSubscribing) return false;
  if (found->second.fromReady && syncPending_ > 0) --syncPending_;
  found->second = {Stage::kSubscribed, 0, false};
  return wanted(channel);
}

void ChannelSubscriptions::unsubscribeConfirmed(std::string_view channel) {
  auto found = active_.find(channel);
  if (found != active_.end() && found->second.stage == Stage::kUnsubscribing) active_.erase(found);
}

void ChannelSubscriptions::dropConfirmedDeadlines() {
  while (!deadlines_.empty()) {
    const Deadline& front = deadlines_.front();
    auto found = active_.find(front.channel);
    bool waiting = found != active_.end() && found->second.stage != Stage::kSubscribed &&
                   found->second.sequence == front.sequence;
    if (waiting) return;
    deadlines_.pop_front();
  }
}

std::optional<std::string> ChannelSubscriptions::overdue(TimePoint now) {
  dropConfirmedDeadlines();
  if (deadlines_.empty() || now < deadlines_.front().at) return std::nullopt;
  return deadlines_.front().channel;
}

std::optional<ChannelSubscriptions::TimePoint> ChannelSubscriptions::nextDeadline() {
  dropConfirmedDeadlines();
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.front().at;
}

}  // namespace spread::plugins::redis
