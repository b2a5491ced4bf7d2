#include "http_routes.h"

#include <chrono>

#include "admin_routes.h"
#include "admission/access_check.h"
#include "admission/private_access.h"
#include "chat_page.h"
#include "client_library.h"
#include "http/http_syntax.h"
#include "http/topic_query.h"
#include "presence_requests.h"
#include "stream_admission.h"
#include "upgrade_decision.h"

namespace spread::plugins::websocket {

namespace {

using transport::Limit;
using transport::Rejection;

// RFC 3986's reg-name, IP literal and port characters: anything else in a Host value would
// let two parsers disagree on which host was meant.
bool isHostChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=': case '%': case ':': case '[': case ']': return true;
    default: return false;
  }
}

std::optional<std::string> hostProblem(const HttpRequest& request) {
  std::size_t hosts = 0;
  const std::string* value = nullptr;
  for (const HttpHeader& field : request.headers) {
    if (!http_syntax::equalsIgnoreCase(field.name, "Host")) continue;
    ++hosts;
    value = &field.value;
  }
  if (hosts == 0 && request.versionMinor >= 1) return "an HTTP/1.1 request must have a Host header";
  if (hosts > 1) return "a request must not have more than one Host header";
  if (value != nullptr) {
    for (char c : *value) {
      if (!isHostChar(c)) return "the Host header is not a valid host[:port]";
    }
  }
  return std::nullopt;
}

bool isJson(const std::string* contentType) {
  if (contentType == nullptr) return false;
  const std::string_view mediaType = http_syntax::trimOws(std::string_view(*contentType).substr(0, contentType->find(';')));
  return http_syntax::equalsIgnoreCase(mediaType, "application/json");
}

HttpAnswer tooFast(ServingContext& context, Limit limit, core::Duration wait, const std::string& what) {
  const auto seconds = std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(wait).count());
  HttpAnswer answer = HttpAnswer::limitRefusal(context.transport.metrics, Rejection::kRateLimited, limit, 429,
                                               what + "; retry after " + std::to_string(seconds) + " s");
  answer.headers.emplace_back("Retry-After", std::to_string(seconds));
  return answer;
}

Route answer(HttpAnswer answer) { return Route{Route::Kind::kAnswer, std::move(answer), {}, {}, {}, {}, {}}; }

// A private path on the public port: 404 once an admin listener serves it, and otherwise
// 403 for anyone not on this machine. nullopt: the client may have it.
std::optional<HttpAnswer> refusePrivate(ServingContext& context, const HttpRequest& request,
                                        const ClientSocket& socket, const std::string& path) {
  transport::Metrics& metrics = context.transport.metrics;
  if (context.config().adminPort) {
    return HttpAnswer::refusal(metrics, Rejection::kNotFound, 404,
                               "no such path: " + path + " (it is served on the admin listener only)", "path");
  }
  const PrivateAccess access = judgePrivateAccess(context.config().trustedProxies, socket.peer(), request);
  if (access.allowed()) return std::nullopt;
  const std::string remedy = "; set " + std::string(kConfigPrefix) +
                             "adminPort to serve it on a private listener instead";
  if (access.verdict == PrivateAccess::Verdict::kUnnamed) {
    return HttpAnswer::refusal(metrics, Rejection::kPrivateEndpoint, 403,
                               path + " is served only to clients on this machine (loopback), and the trusted "
                                      "proxy " + access.client.toString() +
                                   " did not say which client this request is from" + remedy);
  }
  return HttpAnswer::refusal(metrics, Rejection::kPrivateEndpoint, 403,
                             path + " is served only to clients on this machine (loopback), not to " +
                                 access.client.toString() + remedy);
}

Route routePublish(ServingContext& context, const HttpRequest& request, ClientSocket& socket,
                   transport::TokenBucket& publishes) {
  transport::Metrics& metrics = context.transport.metrics;
  if (context.isDraining()) {
    // Told to go: a publisher should reconnect, and find another server or the 503 again.
    HttpAnswer refusal = HttpAnswer::refusal(metrics, Rejection::kDraining, 503, "the server is shutting down");
    refusal.close = true;
    return answer(std::move(refusal));
  }
  if (const std::string* origin = request.header("Origin");
      !context.config().allowedOrigins.allows(origin, request.header("Host"))) {
    return answer(HttpAnswer::refusal(metrics, Rejection::kForbiddenOrigin, 403,
                                      "origin " + *origin + " may not publish here", "Origin"));
  }
  if (!isJson(request.header("Content-Type"))) {
    HttpAnswer refusal = HttpAnswer::refusal(metrics, Rejection::kUnsupportedMediaType, 415,
                                             "POST /publish needs Content-Type: application/json", "Content-Type");
    refusal.headers.emplace_back("Accept-Post", "application/json");
    return answer(std::move(refusal));
  }
  TopicQuery query = readTopic(request.target, context.transport.publisher.defaultTopic());
  if (query.error) return answer(HttpAnswer::refusal(metrics, Rejection::kBadTopic, 400, *query.error, "topic"));
  const core::TimePoint now = context.transport.clock.now();
  if (const std::optional<core::Duration> wait = publishes.take(context.transport.session.publishRate(), now)) {
    return answer(tooFast(context, Limit::kPublishesPerSecond, *wait, "too many publishes on this connection"));
  }
  if (const std::optional<core::Duration> wait = socket.slot().takePublish()) {
    return answer(tooFast(context, Limit::kAddressPublishesPerSecond, *wait, "too many publishes from this address"));
  }
  // After the rates: checking a signature costs more than anything above.
  AccessDecision access = checkAccess(context, request, Access::kPublish, query.topic);
  if (access.refusal) return answer(std::move(*access.refusal));
  return Route{Route::Kind::kPublish, {}, std::move(query.topic), std::move(access.grant), {}, {}, {}};
}

}  // namespace

Route routeRequest(ServingContext& context, const HttpRequest& request, ClientSocket& socket,
                   transport::TokenBucket& publishes) {
  transport::Metrics& metrics = context.transport.metrics;
  if (std::optional<std::string> problem = hostProblem(request)) {
    HttpAnswer refusal = HttpAnswer::refusal(metrics, Rejection::kBadRequest, 400, *problem, "Host");
    refusal.close = true;
    return answer(std::move(refusal));
  }
  const TrustedProxies& proxies = context.config().trustedProxies;
  if (!proxies.empty() && proxies.trusts(socket.peer())) {
    const ClientAddress client = proxies.clientOf(socket.peer(), request);
    if (socket.slot().attribute(client) != ClientLimits::Refusal::kNone) {
      HttpAnswer refusal = HttpAnswer::limitRefusal(
          metrics, Rejection::kTooManyConnections, Limit::kConnectionsPerAddressMax, 503,
          "too many connections from " + client.toString() + "; the limit is " +
              std::to_string(context.config().clients.connectionsPerAddressMax));
      refusal.close = true;
      return answer(std::move(refusal));
    }
  }
  const TargetPath target = readPath(request.target);
  if (target.error) return answer(HttpAnswer::refusal(metrics, Rejection::kBadRequest, 400, *target.error, "path"));
  if (isPrivatePath(target.path)) {
    if (std::optional<HttpAnswer> refusal = refusePrivate(context, request, socket, target.path)) {
      return answer(std::move(*refusal));
    }
  }
  if (target.path == "/publish" && request.method == "POST") return routePublish(context, request, socket, publishes);
  if (target.path == "/subscribe" && request.method == "GET") {
    UpgradeDecision decision = decideUpgrade(context, request);
    if (decision.refusal) return answer(std::move(*decision.refusal));
    Route route{Route::Kind::kUpgrade, {}, std::move(decision.topic), std::move(decision.grant), decision.from,
                std::move(decision.presence), {}};
    route.answer.status = 101;
    route.answer.headers = {
        {"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", std::move(decision.accept)}};
    return route;
  }
  if (target.path == "/auth" && (request.method == "GET" || request.method == "HEAD")) {
    return answer(describeAccess(context, request));
  }
  if (target.path == "/presence" && (request.method == "GET" || request.method == "HEAD")) {
    Route route;
    route.kind = Route::Kind::kPresence;
    return route;
  }
  if (target.path == "/spread.js" && (request.method == "GET" || request.method == "HEAD")) {
    return answer(clientLibraryAnswer(request.header("If-None-Match")));
  }
  if (context.transport.streams != nullptr) {
    if (auto endpoint = context.transport.streams->find(target.path)) return routeStream(context, request, endpoint);
  }
  return answer(answerPlainRequest(context, request.method, target.path));
}

HttpAnswer answerPlainRequest(ServingContext& context, std::string_view method, std::string_view path) {
  transport::Metrics& metrics = context.transport.metrics;
  auto only = [&](const char* allowed) {
    HttpAnswer answer = HttpAnswer::refusal(
        metrics, Rejection::kMethodNotAllowed, 405,
        "method " + std::string(method) + " is not allowed on " + std::string(path) + "; use " + allowed, "method");
    answer.headers.emplace_back("Allow", allowed);
    return answer;
  };
  if (path == "/publish") return only("POST");
  if (path == "/subscribe") return only("GET");
  const bool known =
      path == "/" || path == "/healthz" || path == "/auth" || path == "/spread.js" || path == "/presence" ||
      isPrivatePath(path);
  if (known && method != "GET" && method != "HEAD") return only("GET, HEAD");

  if (path == "/") {
    HttpAnswer answer;
    answer.contentType = "text/html; charset=utf-8";
    answer.body = std::string(chatPage());
    answer.headers = {{"Cache-Control", "no-cache"},
                      {"Content-Security-Policy", chatPageSecurityPolicy()},
                      {"X-Frame-Options", "DENY"},
                      {"Referrer-Policy", "no-referrer"}};
    return answer;
  }
  if (path == "/healthz") return healthAnswer(context.transport);
  if (isPrivatePath(path)) return privateAnswer(context.transport, path);
  return HttpAnswer::refusal(metrics, Rejection::kNotFound, 404, "no such path: " + std::string(path), "path");
}

}  // namespace spread::plugins::websocket
