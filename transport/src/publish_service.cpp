#include "spread/transport/publish_service.h"

#include <utility>

#include "spread/core/topic_name.h"
#include "spread/core/typed_topic.h"
#include "spread/transport/chat_codec.h"

namespace spread::transport {

int PublishResult::httpStatus() const {
  switch (status) {
    case Status::kAccepted: return 204;
    case Status::kBadRequest:
    case Status::kBadTopic: return 400;
    case Status::kUnauthorized: return 401;
    case Status::kForbidden: return 403;
    case Status::kBusy:
    case Status::kDraining:
    case Status::kUnavailable: return 503;
  }
  return 500;
}

std::string errorJson(std::string_view error, std::string_view field) {
  std::string out = "{\"error\":";
  transport::appendJsonString(out, error);
  if (!field.empty()) {
    out += ",\"field\":";
    transport::appendJsonString(out, field);
  }
  out += "}";
  return out;
}

std::string PublishResult::errorJson() const { return transport::errorJson(error, field); }

PublishService::PublishService(core::TopicRegistry& broker, Metrics& metrics, core::Duration waitMax,
                               std::string defaultTopic, std::size_t nameBytesMax)
    : PublishService(inProcess_, broker, metrics, waitMax, std::move(defaultTopic), nameBytesMax) {}

PublishService::PublishService(core::Engine& engine, core::TopicRegistry& broker, Metrics& metrics,
                               core::Duration waitMax, std::string defaultTopic, std::size_t nameBytesMax)
    : inProcess_(broker),
      engine_(engine),
      metrics_(metrics),
      waitMax_(waitMax),
      defaultTopic_(std::move(defaultTopic)),
      nameBytesMax_(nameBytesMax) {}

void PublishService::publish(std::string_view topicName, std::string_view body, PublishDone done) {
  publish(topicName, body, waitMax_, std::move(done));
}

void PublishService::publish(std::string_view topicName, std::string_view body, core::Duration waitMax,
                             PublishDone done) {
  publishAs({}, topicName, body, waitMax, std::move(done));
}

void PublishService::publishAs(std::string_view author, std::string_view topicName, std::string_view body,
                               core::Duration waitMax, PublishDone done) {
  using Status = PublishResult::Status;
  auto refuse = [&](Status status, Rejection why, std::string error, std::string field = {}) {
    metrics_.rejected(why);
    done(PublishResult{status, std::move(error), std::move(field)});
  };
  if (draining()) return refuse(Status::kDraining, Rejection::kDraining, "the server is shutting down");

  auto decoded = transport::ChatCodec::decode(body, author.empty() ? ChatCodec::Name::kRequired
                                                                    : ChatCodec::Name::kOptional);
  if (!decoded.ok()) {
    return refuse(Status::kBadRequest, Rejection::kBadRequest, decoded.error().message(),
                  decoded.error().field);
  }
  if (!author.empty()) {
    std::string& name = decoded.value().name;
    if (name.empty()) {
      name = author;
    } else if (name != author) {
      std::string error = "field 'name': ";
      appendJsonString(error, name);
      error += " is not yours: your token names you ";
      appendJsonString(error, author);
      return refuse(Status::kForbidden, Rejection::kForbidden, error + "; leave 'name' out or send your own",
                    "name");
    }
  }
  if (decoded.value().name.size() > nameBytesMax_) {
    metrics_.limitRefused(Limit::kNameBytesMax);
    return refuse(Status::kBadRequest, Rejection::kBadRequest,
                  "field 'name': is longer than " + std::to_string(nameBytesMax_) + " bytes", "name");
  }
  const std::string_view name = topicName.empty() ? std::string_view(defaultTopic_) : topicName;
  if (auto problem = core::checkTopicName(name)) {
    return refuse(Status::kBadTopic, Rejection::kBadTopic, *problem, "topic");
  }
  // A publish never creates a topic: only subscribers do. The in-process engine accepts and
  // drops a message for a topic that does not exist (nobody subscribes), without taking one
  // of the broker's topicsMax places; a cluster's keeps it in its log.
  core::Payload payload = core::TypedTopic<transport::ChatMessage>::encode(decoded.value());
  engine_.publish(name, std::move(payload), waitMax, [this, done = std::move(done)](core::PublishOutcome outcome) {
    switch (outcome) {
      case core::PublishOutcome::kAccepted:
        metrics_.published();
        done(PublishResult{});
        return;
      case core::PublishOutcome::kUnavailable: {
        metrics_.rejected(Rejection::kEngineUnavailable);
        const core::EngineHealth health = engine_.health();
        done(PublishResult{Status::kUnavailable,
                           "the server cannot reach the other nodes" +
                               (health.problem.empty() ? std::string() : ": " + health.problem) +
                               "; nothing was published, try again shortly",
                           {}});
        return;
      }
      case core::PublishOutcome::kBusy:
      case core::PublishOutcome::kTimedOut:
        metrics_.rejected(Rejection::kBusy);
        done(PublishResult{Status::kBusy, "the topic is busy; try again shortly", {}});
        return;
      case core::PublishOutcome::kTopicClosed:
        metrics_.rejected(Rejection::kDraining);
        done(PublishResult{Status::kDraining, "the topic is closed", {}});
        return;
    }
  });
}

}  // namespace spread::transport
