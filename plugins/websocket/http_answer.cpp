#include "http_answer.h"

#include "chat_page.h"

namespace spread::plugins::websocket {

using transport::Rejection;

HttpAnswer HttpAnswer::refusal(transport::Metrics& metrics, Rejection why, int status, std::string_view error,
                               std::string_view field) {
  metrics.rejected(why);
  return json(status, transport::errorJson(error, field));
}

HttpAnswer HttpAnswer::limitRefusal(transport::Metrics& metrics, Rejection why, transport::Limit limit, int status,
                                    std::string_view error, std::string_view field) {
  metrics.limitRefused(limit);
  return refusal(metrics, why, status, error, field);
}

HttpAnswer HttpAnswer::json(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.contentType = "application/json";
  answer.body = std::move(body);
  return answer;
}

HttpAnswer answerPlainRequest(RouteContext& context, std::string_view method, std::string_view path) {
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
  const bool known = path == "/" || path == "/healthz" || path == "/metrics";
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
  if (path == "/healthz") {
    return context.isDraining() ? HttpAnswer::json(503, R"({"status":"draining"})")
                                : HttpAnswer::json(200, R"({"status":"serving"})");
  }
  if (path == "/metrics") {
    HttpAnswer answer;
    answer.contentType = "text/plain; version=0.0.4";
    answer.body = context.transport.metrics.renderPrometheus(context.transport.broker, context.transport.executor);
    return answer;
  }
  return HttpAnswer::refusal(metrics, Rejection::kNotFound, 404, "no such path: " + std::string(path), "path");
}

}  // namespace spread::plugins::websocket
