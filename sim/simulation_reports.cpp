#include "simulation_run.h"
#include "wire_client.h"

namespace spread::sim {

namespace {

using plugins::sim::ConnectionEnd;

std::string_view toString(transport::PublishResult::Status status) {
  using Status = transport::PublishResult::Status;
  switch (status) {
    case Status::kAccepted: return "accepted";
    case Status::kBadRequest: return "bad_request";
    case Status::kBadTopic: return "bad_topic";
    case Status::kUnauthorized: return "unauthorized";
    case Status::kForbidden: return "forbidden";
    case Status::kBusy: return "busy";
    case Status::kDraining: return "draining";
    case Status::kUnavailable: return "unavailable";
  }
  return "?";
}

}  // namespace

void SimulationRun::expect(const Event& event) {
  const Client& client = clients_[event.client];
  const Expectation& e = event.expect;
  // With a topic, the line is about the client's latest connection to that topic alone.
  const bool picked = !event.topic.empty();
  const ConnectionId pickedId = picked ? latestTo(client, event.topic) : 0;
  const ConnectionInfo* latest = picked ? (pickedId == 0 ? nullptr : &connections_.at(pickedId))
                                 : client.connections.empty() ? nullptr
                                                              : &connections_.at(client.connections.back());
  const std::string whose = event.client + "'s latest connection" + (picked ? " to " + event.topic : "");
  static const Tally kNothing;
  std::string problem;
  switch (e.kind) {
    case Expectation::Kind::kReceived:
    case Expectation::Kind::kPublished:
    case Expectation::Kind::kRejected:
      problem = countProblem(e, !picked ? client.tally : latest != nullptr ? latest->tally : kNothing);
      break;
    case Expectation::Kind::kClosed: {
      // The server's verdict when it gave one (a stalled client may not have read it yet),
      // otherwise how the connection ended.
      std::optional<int> code;
      std::string reason;
      if (latest != nullptr && latest->serverClose) {
        code = static_cast<int>(*latest->serverClose);
        reason = latest->serverCloseReason;
      }
      // A session cut off before it could say goodbye: the close it owed (a stalled
      // client's at the shutdown deadline).
      if (latest != nullptr && !code && latest->subscriptionEnd && latest->end &&
          latest->end->by == plugins::sim::ClosedBy::kServer && !latest->end->frameRead) {
        const transport::CloseFrame owed = transport::closeFrameFor(*latest->subscriptionEnd);
        code = static_cast<int>(owed.code);
        reason = owed.reason;
      }
      if (latest != nullptr && !code && latest->end) {
        code = static_cast<int>(latest->end->code);
        reason = latest->end->reason;
      }
      // A byte-level client: the close frame its current stream heard.
      if (latest == nullptr && client.stream) {
        if (auto close = findServerClose(client.streamBytes)) {
          code = close->code;
          reason = close->reason;
        }
      }
      if (!code) {
        problem = whose + " has not closed";
      } else if (*code != e.code || (e.reason && reason != *e.reason)) {
        problem = whose + " closed with " + std::to_string(*code) + " \"" + reason + "\"";
      }
      break;
    }
    case Expectation::Kind::kOpen:
      if (!picked && liveConnections(client).empty()) problem = event.client + " has no open connection";
      if (picked && (latest == nullptr || latest->end)) problem = whose + " has ended";
      break;
    case Expectation::Kind::kRefused:
      if (latest == nullptr || !latest->refused) problem = whose + " was not refused";
      break;
    case Expectation::Kind::kGot:
      if (client.heard.find(e.bytes) == std::string::npos) {
        problem = event.client + " heard " + std::to_string(client.heard.size()) + " bytes without those" +
                  (client.heard.empty() ? std::string() : ", beginning \"" + client.heard.substr(0, 80) + "\"");
      }
      break;
    case Expectation::Kind::kResumed:
      if (latest == nullptr || !latest->resumed) {
        problem = whose + " was not told how its resume went";
      } else if (*latest->resumed != e.reason.value_or("")) {
        problem = whose + " resumed: " + *latest->resumed;
      }
      break;
    case Expectation::Kind::kEnded:
      if (!client.stream) {
        problem = event.client + " has sent no bytes";
      } else if (!client.streamEnded) {
        problem = "the server has not ended " + event.client + "'s stream";
      }
      break;
  }
  trace(line("expect").add("line", event.line).add("ok", problem.empty()));
  if (!problem.empty() && !expectationFailure_) {
    expectationFailure_ =
        Violation{"expectation", "expected '" + formatEvent(event) + "', but " + problem, 0};
    expectationLine_ = event.line;
  }
}

bool SimulationRun::deferred(std::function<void()> report) {
  if (!offering_) return false;
  afterOffer_.push_back(std::move(report));
  return true;
}

void SimulationRun::onSent(ConnectionId id, const core::MessagePtr& message) {
  if (deferred([this, id, message] { onSent(id, message); })) return;
  checker_.sent(id, message);
}

void SimulationRun::onOpened(ConnectionId id) {
  opening_ = id;
  if (id == 0) return;  // a byte-level client's session: no scripted connection to check
  ++stats_.connections;
  trace(line("open").add("conn", id));
}

void SimulationRun::onRefused(ConnectionId id, int httpStatus) {
  connections_[id].refused = true;
  trace(line("refused").add("conn", id).add("status", httpStatus));
  if (timeline_ != nullptr)
    timeline_->mark(id, clock_.now(), "refused", "refused " + std::to_string(httpStatus));
}

void SimulationRun::onWireViolation(ConnectionId id, std::string_view problem) {
  checker_.wireViolation(id, problem);
  trace(line("wire_violation").add("conn", id).add("problem", problem));
}

void SimulationRun::onRead(ConnectionId id, const core::MessagePtr& message) {
  checker_.read(id, message);
  ConnectionInfo& info = connections_[id];
  // Its position, as a client would keep it to resume from: the epoch is in the bytes.
  if (const std::size_t at = message->bytes().find(R"("epoch":")"); at != std::string::npos) {
    lastRead_[info.client + '\n' + info.topic] = {message->sequence(), message->bytes().substr(at + 9, 16)};
  }
  ++info.tally.read;
  ++clients_[info.client].tally.read;
  ++stats_.deliveries;
  trace(line("deliver").add("conn", id).add("seq", message->sequence()));
  if (timeline_ != nullptr) timeline_->delivered(id, message->sequence(), clock_.now());
}

void SimulationRun::onTextRead(ConnectionId id, std::string_view text) {
  if (text.starts_with(R"({"resume":)")) {
    // The first frame of a subscription that asked for history: not a refusal.
    const bool ok = text.starts_with(R"({"resume":"ok")");
    const std::size_t reason = text.find(R"("reason":")");
    connections_[id].resumed = ok || reason == std::string_view::npos
                                   ? std::string("ok")
                                   : std::string(text.substr(reason + 10, text.find('"', reason + 10) - reason - 10));
    trace(line("resume").add("conn", id).add("text", text));
    return;
  }
  const auto kind = static_cast<std::size_t>(rejectionKindOfErrorFrame(text));
  ConnectionInfo& info = connections_[id];
  ++info.tally.rejected[kind];
  ++clients_[info.client].tally.rejected[kind];
  trace(line("text").add("conn", id).add("text", text));
}

void SimulationRun::onCloseRequested(ConnectionId id, transport::CloseCode code, std::string_view reason) {
  if (deferred([this, id, code, reason = std::string(reason)] { onCloseRequested(id, code, reason); })) return;
  checker_.closeRequested(id, code, reason, clock_.now());
  if (!connections_[id].serverClose) {
    connections_[id].serverClose = code;
    connections_[id].serverCloseReason = reason;
    if (timeline_ != nullptr) {
      timeline_->mark(id, clock_.now(), code == transport::CloseCode::kPolicyViolation ? "drop" : "close",
                      "closing " + std::to_string(static_cast<int>(code)) + " " + std::string(reason));
    }
  }
  trace(line("closing").add("conn", id).add("code", static_cast<int>(code)).add("reason", reason));
}

void SimulationRun::onEnded(ConnectionId id, const ConnectionEnd& end) {
  if (deferred([this, id, end] { onEnded(id, end); })) return;
  checker_.ended(id, end);
  connections_[id].end = end;
  trace(line("close")
            .add("conn", id)
            .add("by", end.by == plugins::sim::ClosedBy::kServer ? "server" : "client")
            .add("code", static_cast<int>(end.code))
            .add("reason", end.reason)
            .add("frame_read", end.frameRead));
  if (timeline_ != nullptr) {
    const bool byClient = end.by == plugins::sim::ClosedBy::kClient;
    timeline_->mark(
        id, clock_.now(), byClient ? "leave" : "close",
        std::to_string(static_cast<int>(end.code)) + (byClient || end.frameRead ? "" : " (link cut)"));
  }
}

void SimulationRun::onPublishAnswered(std::uint64_t requestId, const transport::PublishResult& result) {
  const auto& [client, topic] = requests_[requestId];
  Tally& tally = clients_[client].tally;
  ++(result.ok() ? tally.published : tally.rejected[static_cast<std::size_t>(rejectionKindOf(result.status))]);
  frames_.postAnswered(requestId);
  TraceLine out =
      line("publish").add("client", client).add("topic", topic).add("status", toString(result.status));
  if (!result.ok()) out.add("error", result.error);
  trace(out);
  requests_.erase(requestId);
}

void SimulationRun::onTopicCreated(const std::string& topic) {
  checker_.topicCreated(topic);
  trace(line("topic").add("topic", topic));
}

void SimulationRun::onAccepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes,
                               std::uint64_t epoch) {
  // With history kept, what subscribers are sent carries the message's position, as the
  // daemon stamps it; what was published (and is matched to its publisher) does not.
  std::string sent = bytes;
  if (scenario_.settings.history != 0) transport::stampChatPosition(sent, sequence, epoch);
  checker_.accepted(topic, sequence, bytes, sent);
  creditFrame(topic, bytes);
  ++stats_.accepted;
  trace(line("accept").add("topic", topic).add("seq", sequence));
  if (timeline_ != nullptr) timeline_->accepted(topic, sequence, clock_.now());
}

void SimulationRun::onStartsAfter(std::uint64_t tag, std::uint64_t offset) {
  checker_.startsAfter(static_cast<ConnectionId>(tag), offset);
  trace(line("replay").add("conn", tag).add("after", offset));
}

std::uint64_t SimulationRun::onSubscribed(const std::string& topic, std::uint64_t acceptedBefore) {
  checker_.subscribed(opening_, acceptedBefore);
  trace(line("subscribe").add("conn", opening_).add("topic", topic).add("accepted_before", acceptedBefore));
  return opening_;
}

void SimulationRun::onOffered(std::uint64_t tag, const core::MessagePtr& message, core::Delivery outcome) {
  const auto id = static_cast<ConnectionId>(tag);
  checker_.offered(id, message, outcome);
  if (outcome == core::Delivery::kFull) trace(line("drop").add("conn", id).add("seq", message->sequence()));
  offering_ = false;
  std::vector<std::function<void()>> reports;
  reports.swap(afterOffer_);
  for (auto& report : reports) report();
}

void SimulationRun::onEnded(std::uint64_t tag, core::CloseReason reason, std::uint64_t acceptedNow) {
  const auto id = static_cast<ConnectionId>(tag);
  checker_.queueEnded(id, reason, acceptedNow);
  if (auto found = connections_.find(id); found != connections_.end()) found->second.subscriptionEnd = reason;
  trace(line("queue_end").add("conn", id).add("reason", core::toString(reason)));
}

}  // namespace spread::sim
