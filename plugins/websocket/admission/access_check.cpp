#include "admission/access_check.h"

#include <chrono>

#include "http/http_syntax.h"
#include "http/topic_query.h"
#include "spread/transport/auth/authenticator.h"
#include "spread/transport/chat_codec.h"

namespace spread::plugins::websocket {

namespace {

using transport::Rejection;
using transport::auth::AuthFailure;
using transport::auth::Grant;

constexpr std::string_view kRealm = R"(Bearer realm="spread")";

AccessDecision refuse(ServingContext& context, Rejection why, int status, std::string_view error,
                      std::string_view challenge) {
  AccessDecision decision;
  decision.refusal = HttpAnswer::refusal(context.transport.metrics, why, status, error, "token");
  decision.refusal->headers.emplace_back("WWW-Authenticate", std::string(challenge));
  return decision;
}

// RFC 6750 2.1: "Bearer" (any case), one or more spaces, the token.
std::optional<std::string_view> bearerCredentials(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer";
  if (authorization.size() <= kScheme.size() ||
      !http_syntax::equalsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  return http_syntax::trimOws(authorization.substr(kScheme.size()));
}

// The request's token, checked: the grant (in `decision.grant`) or the refusal.
AccessDecision authenticate(ServingContext& context, const HttpRequest& request,
                            const transport::auth::Authenticator& authenticator) {
  const std::string invalid = std::string(kRealm) + R"(, error="invalid_token")";
  std::size_t headers = 0;
  const std::string* authorization = nullptr;
  for (const HttpHeader& field : request.headers) {
    if (!http_syntax::equalsIgnoreCase(field.name, "Authorization")) continue;
    ++headers;
    authorization = &field.value;
  }
  QueryParameter query = readQueryParameter(request.target, "token");
  const std::string badRequest = std::string(kRealm) + R"(, error="invalid_request")";
  if (query.error) return refuse(context, Rejection::kBadRequest, 400, *query.error, badRequest);
  if (headers > 1) {
    return refuse(context, Rejection::kBadRequest, 400, "a request must not have more than one Authorization header",
                  badRequest);
  }
  if (authorization != nullptr && query.value) {
    return refuse(context, Rejection::kBadRequest, 400,
                  "send the token once: in the Authorization header or as ?token=, not both", badRequest);
  }
  std::string_view token;
  if (authorization != nullptr) {
    std::optional<std::string_view> credentials = bearerCredentials(*authorization);
    if (!credentials) {
      return refuse(context, Rejection::kUnauthorized, 401, "the Authorization header must be 'Bearer <token>'",
                    invalid);
    }
    token = *credentials;
  } else if (query.value) {
    token = *query.value;
  } else {
    return refuse(context, Rejection::kUnauthorized, 401,
                  "this server needs a token: send 'Authorization: Bearer <token>' or ?token=<token>", kRealm);
  }

  auto checked = authenticator.authenticate(token);
  if (auto* failure = std::get_if<AuthFailure>(&checked)) {
    return refuse(context, Rejection::kUnauthorized, 401, failure->reason, invalid);
  }
  return AccessDecision{std::nullopt, std::make_unique<Grant>(std::move(std::get<Grant>(checked)))};
}

}  // namespace

AccessDecision checkAccess(ServingContext& context, const HttpRequest& request, Access access,
                           std::string_view topic) {
  if (context.transport.auth == nullptr) return {};
  AccessDecision decision = authenticate(context, request, *context.transport.auth);
  if (decision.refusal) return decision;
  std::unique_ptr<Grant>& grant = decision.grant;
  const bool allowed = access == Access::kSubscribe ? grant->subscribe.allows(topic) : grant->publish.allows(topic);
  if (!allowed) {
    const char* verb = access == Access::kSubscribe ? "subscribing to" : "publishing to";
    return refuse(context, Rejection::kForbidden, 403,
                  "your token does not allow " + std::string(verb) + " topic '" + std::string(topic) + "'",
                  std::string(kRealm) + R"(, error="insufficient_scope")");
  }
  return decision;
}

HttpAnswer describeAccess(ServingContext& context, const HttpRequest& request) {
  if (context.transport.auth == nullptr) return HttpAnswer::json(200, R"({"mode":"none"})");
  TopicQuery topic = readTopic(request.target, context.transport.publisher.defaultTopic());
  if (topic.error) {
    return HttpAnswer::refusal(context.transport.metrics, Rejection::kBadTopic, 400, *topic.error, "topic");
  }
  AccessDecision decision = authenticate(context, request, *context.transport.auth);
  if (decision.refusal) return std::move(*decision.refusal);
  const Grant& grant = *decision.grant;
  std::string body = R"({"mode":"jwt","sub":)";
  transport::appendJsonString(body, grant.subject);
  body += R"(,"topic":)";
  transport::appendJsonString(body, topic.topic);
  body += std::string(R"(,"subscribe":)") + (grant.subscribe.allows(topic.topic) ? "true" : "false");
  body += std::string(R"(,"publish":)") + (grant.publish.allows(topic.topic) ? "true" : "false");
  if (grant.validFor) {
    body += R"(,"expiresInMs":)" +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(*grant.validFor).count());
  }
  body += "}";
  HttpAnswer answer = HttpAnswer::json(200, std::move(body));
  answer.headers.emplace_back("Cache-Control", "no-store");
  return answer;
}

}  // namespace spread::plugins::websocket
