#include "stream_admission.h"

#include "admission/access_check.h"
#include "http/subscribe_start.h"
#include "http/topic_query.h"

namespace spread::plugins::websocket {

using transport::Rejection;

Route routeStream(ServingContext& context, const HttpRequest& request,
                  std::shared_ptr<transport::StreamEndpoint> endpoint) {
  transport::Metrics& metrics = context.transport.metrics;
  auto refuse = [](HttpAnswer answer) { return Route{Route::Kind::kAnswer, std::move(answer), {}, {}, {}, {}, {}}; };
  const std::string path(endpoint->path());
  if (request.method != "GET") {
    HttpAnswer answer = HttpAnswer::refusal(metrics, Rejection::kMethodNotAllowed, 405,
                                            "method " + request.method + " is not allowed on " + path + "; use GET",
                                            "method");
    answer.headers.emplace_back("Allow", "GET");
    return refuse(std::move(answer));
  }
  if (context.isDraining()) {
    HttpAnswer answer = HttpAnswer::refusal(metrics, Rejection::kDraining, 503, "the server is shutting down");
    answer.headers.emplace_back("Retry-After", "1");
    return refuse(std::move(answer));
  }
  if (const std::string* origin = request.header("Origin");
      !context.config().allowedOrigins.allows(origin, request.header("Host"))) {
    return refuse(HttpAnswer::refusal(metrics, Rejection::kForbiddenOrigin, 403,
                                      "origin " + *origin + " may not open a stream here", "Origin"));
  }
  TopicQuery query = readTopic(request.target, context.transport.publisher.defaultTopic());
  if (query.error) return refuse(HttpAnswer::refusal(metrics, Rejection::kBadTopic, 400, *query.error, "topic"));
  SubscribeStart start = readSubscribeStart(request.target);
  if (start.error) return refuse(HttpAnswer::refusal(metrics, Rejection::kBadRequest, 400, *start.error, start.field));
  AccessDecision access = checkAccess(context, request, Access::kSubscribe, query.topic);
  if (access.refusal) return refuse(std::move(*access.refusal));
  Route route{Route::Kind::kStream, {}, std::move(query.topic), std::move(access.grant), start.from, {}, {}};
  route.stream = std::move(endpoint);
  return route;
}

}  // namespace spread::plugins::websocket
