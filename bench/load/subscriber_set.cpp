#include "subscriber_set.h"

#include <algorithm>

#include "message_stamp.h"

namespace spread::bench {

SubscriberSet::SubscriberSet(EventLoop& loop, const Endpoint& endpoint, std::uint32_t count,
                             std::uint32_t publishers, std::uint32_t concurrencyMax)
    : publishers_(publishers),
      concurrencyMax_(concurrencyMax),
      lastSequence_(std::size_t{count} * publishers, 0),
      unique_(std::size_t{count} * publishers, 0),
      probed_(count, 0) {
  clients_.reserve(count);
  for (std::uint32_t id = 0; id < count; ++id) clients_.push_back(std::make_unique<WsClient>(loop, endpoint, *this, id));
}

void SubscriberSet::connectMore() {
  while (connecting_ < concurrencyMax_ && nextToStart_ < clients_.size()) {
    ++connecting_;
    clients_[nextToStart_++]->start();  // may end at once, which decrements connecting_
  }
}

void SubscriberSet::abandonAll() {
  for (auto& client : clients_) client->abandon();
}

void SubscriberSet::onOpen(WsClient& client) {
  --connecting_;
  ++open_;
  ++everOpened_;
  connectUs_.record(static_cast<std::uint64_t>(client.openedAtUs() - client.startedAtUs()));
}

void SubscriberSet::onText(WsClient& client, std::string_view text, std::int64_t receivedAtUs) {
  const auto msg = findMsgField(text);
  const auto stamp = msg ? parseStamp(*msg) : std::nullopt;
  if (!stamp) {
    if (++unparsable_ == 1) note("unparsable message: " + std::string(text.substr(0, 120)));
    return;
  }
  if (stamp->publisher == kProbePublisher) {
    if (probed_[client.id()] == 0) {
      probed_[client.id()] = 1;
      ++probesSeen_;
    }
    return;
  }
  if (stamp->publisher >= publishers_) {
    if (++unparsable_ == 1) note("message from unknown publisher: " + std::string(*msg));
    return;
  }
  ++deliveries_;
  lastDeliveryUs_ = receivedAtUs;
  latencyUs_.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, receivedAtUs - stamp->sentAtUs)));
  const std::size_t slot = std::size_t{client.id()} * publishers_ + stamp->publisher;
  std::uint64_t& last = lastSequence_[slot];
  if (stamp->sequence == last) {
    ++duplicates_;
    return;
  }
  if (stamp->sequence < last) ++reorders_;
  else last = stamp->sequence;
  ++unique_[slot];
  ++uniqueOpen_;
}

void SubscriberSet::onEnded(WsClient& client, EndKind kind, int code, const std::string& detail) {
  ++ended_;
  const bool wasOpen = client.openedAtUs() != 0;
  if (!wasOpen) {
    --connecting_;
    ++connectFailures_;
    note("subscriber " + std::to_string(client.id()) + " failed to connect (code " + std::to_string(code) +
         "): " + detail);
    return;
  }
  --open_;
  for (std::uint32_t p = 0; p < publishers_; ++p) uniqueOpen_ -= unique_[std::size_t{client.id()} * publishers_ + p];
  if (kind == EndKind::kServerClose && code == 1008) {
    ++droppedSlow_;
    return;
  }
  ++closedOther_;
  note("subscriber " + std::to_string(client.id()) + " ended (kind " + std::to_string(static_cast<int>(kind)) +
       ", code " + std::to_string(code) + "): " + detail);
}

void SubscriberSet::resetDeliveries() {
  std::fill(lastSequence_.begin(), lastSequence_.end(), 0);
  std::fill(unique_.begin(), unique_.end(), 0);
  std::fill(probed_.begin(), probed_.end(), 0);
  probesSeen_ = 0;
  deliveries_ = uniqueOpen_ = duplicates_ = reorders_ = unparsable_ = 0;
  lastDeliveryUs_ = 0;
  latencyUs_ = LatencyHistogram{};
}

std::uint64_t SubscriberSet::missing(const std::vector<std::uint64_t>& accepted) const {
  std::uint64_t owed = 0;
  for (const auto& client : clients_) {
    if (!client->open()) continue;
    for (std::uint32_t p = 0; p < publishers_; ++p) {
      const std::uint64_t got = unique_[std::size_t{client->id()} * publishers_ + p];
      if (got < accepted[p]) owed += accepted[p] - got;
    }
  }
  return owed;
}

void SubscriberSet::note(std::string text) {
  if (notes_.size() < 5) notes_.push_back(std::move(text));
}

}  // namespace spread::bench
