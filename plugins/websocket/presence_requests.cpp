#include "presence_requests.h"

#include "admission/access_check.h"
#include "http/topic_query.h"
#include "spread/core/utf8.h"
#include "spread/transport/chat_codec.h"

namespace spread::plugins::websocket {

using transport::Rejection;

PresenceAskReading readPresenceAsk(ServingContext& context, const HttpRequest& request,
                                   const transport::auth::Grant* grant) {
  transport::Metrics& metrics = context.transport.metrics;
  auto refuse = [&](Rejection why, int status, std::string error, std::string_view field) {
    return PresenceAskReading{{}, HttpAnswer::refusal(metrics, why, status, error, field)};
  };
  PresenceAskReading reading;
  QueryParameter events = readQueryParameter(request.target, "presence");
  if (events.error) return refuse(Rejection::kBadRequest, 400, *events.error, "presence");
  if (events.value && *events.value != "0" && *events.value != "1") {
    return refuse(Rejection::kBadRequest, 400, "query parameter 'presence' must be 0 or 1", "presence");
  }
  reading.ask.events = events.value == "1";

  QueryParameter name = readQueryParameter(request.target, "name");
  if (name.error) return refuse(Rejection::kBadRequest, 400, *name.error, "name");
  if (name.value) {
    const std::size_t bytesMax = context.transport.session.nameBytesMax;
    if (name.value->size() > bytesMax) {
      return refuse(Rejection::kBadRequest, 400,
                    "query parameter 'name': is longer than " + std::to_string(bytesMax) + " bytes", "name");
    }
    if (!core::isValidUtf8(*name.value)) {
      return refuse(Rejection::kBadRequest, 400, "query parameter 'name': is not valid UTF-8", "name");
    }
  }
  if (grant != nullptr) {
    // As a publish: a token's holder is listed under its subject, never another's name.
    if (name.value && !name.value->empty() && *name.value != grant->subject) {
      std::string error = "query parameter 'name': ";
      transport::appendJsonString(error, *name.value);
      error += " is not yours: your token names you ";
      transport::appendJsonString(error, grant->subject);
      return refuse(Rejection::kForbidden, 403, error + "; leave 'name' out or send your own", "name");
    }
    reading.ask.name = grant->subject;
  } else if (name.value) {
    reading.ask.name = std::move(*name.value);
  }
  return reading;
}

void answerPresence(ServingContext& context, const HttpRequest& request, PresenceAnswered answered) {
  transport::Metrics& metrics = context.transport.metrics;
  TopicQuery query = readTopic(request.target, context.transport.publisher.defaultTopic());
  if (query.error) return answered(HttpAnswer::refusal(metrics, Rejection::kBadTopic, 400, *query.error, "topic"));
  AccessDecision access = checkAccess(context, request, Access::kSubscribe, query.topic);
  if (access.refusal) return answered(std::move(*access.refusal));
  if (context.transport.presence == nullptr) {
    return answered(HttpAnswer::refusal(metrics, Rejection::kNotFound, 404, "this server keeps no presence", "path"));
  }
  // `metrics` outlives every connection, so the callback may use it from the presence's thread.
  context.transport.presence->list(
      query.topic, transport::Presence::kMembersListedMax,
      [&metrics, topic = query.topic, answered = std::move(answered)](transport::PresenceListing listing) {
        if (!listing.ok()) {
          return answered(HttpAnswer::refusal(metrics, Rejection::kEngineUnavailable, 503,
                                              "presence of topic '" + topic + "' could not be read: " + listing.problem,
                                              "presence"));
        }
        HttpAnswer answer = HttpAnswer::json(200, transport::presenceAnswerJson(topic, listing.list));
        answer.headers.emplace_back("Cache-Control", "no-store");
        answered(std::move(answer));
      });
}

}  // namespace spread::plugins::websocket
