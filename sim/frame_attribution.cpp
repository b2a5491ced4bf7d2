#include "frame_attribution.h"

#include <string_view>

namespace spread::sim {

void FrameAttribution::frameSent(ConnectionId connection, const std::string& topic, const std::string& bytes) {
  ++frames_[topic][bytes][connection].unmatched;
}

std::uint64_t FrameAttribution::postKey(const std::string& topic, const std::string& bytes) {
  const std::hash<std::string_view> hash;
  return hash(topic) * 0x9e3779b97f4a7c15ull ^ hash(bytes);
}

void FrameAttribution::postSent(std::uint64_t requestId, const std::string& topic, const std::string& bytes) {
  const std::uint64_t key = postKey(topic, bytes);
  ++postsAwaited_[key];
  postKeyOf_[requestId] = key;
}

void FrameAttribution::postAnswered(std::uint64_t requestId) {
  auto found = postKeyOf_.find(requestId);
  if (found == postKeyOf_.end()) return;
  if (auto awaited = postsAwaited_.find(found->second); awaited != postsAwaited_.end() && --awaited->second == 0)
    postsAwaited_.erase(awaited);
  postKeyOf_.erase(found);
}

FrameAttribution::Match FrameAttribution::accepted(const std::string& topic, const std::string& bytes) {
  Match match;
  auto ofTopic = frames_.find(topic);
  if (ofTopic == frames_.end()) return match;
  auto found = ofTopic->second.find(bytes);
  if (found == ofTopic->second.end()) return match;
  BySender& sent = found->second;
  for (const auto& [connection, frames] : sent) match.senders.push_back(connection);
  match.postAwaited = postsAwaited_.count(postKey(topic, bytes)) != 0;
  if (match.sure()) {
    match.credit = match.senders;
    Sent& only = sent.begin()->second;
    if (--only.unmatched == 0) ofTopic->second.erase(found);
    if (ofTopic->second.empty()) frames_.erase(ofTopic);
    return match;
  }
  for (auto& [connection, frames] : sent) {
    if (frames.maybe >= frames.unmatched) continue;
    ++frames.maybe;
    match.credit.push_back(connection);
  }
  return match;
}

}  // namespace spread::sim
