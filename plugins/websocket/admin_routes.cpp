#include "admin_routes.h"

#include <string>

#include "http/topic_query.h"
#include "spread/transport/chat_codec.h"
#include "spread/transport/status_json.h"
#include "status_page.h"

namespace spread::plugins::websocket {

using transport::Rejection;

bool isPrivatePath(std::string_view path) {
  return path == "/metrics" || path == "/status" || path == "/status.json";
}

HttpAnswer healthAnswer(transport::TransportContext& context) {
  if (context.publisher.draining()) return HttpAnswer::json(503, R"({"status":"draining"})");
  // A node that cannot reach the others (Redis down) can serve its subscribers but not
  // publish: a load balancer should send publishers elsewhere, and an operator see why.
  const core::EngineHealth health = context.publisher.engine().health();
  if (!health.available) {
    std::string body = R"({"status":"unavailable","problem":)";
    transport::appendJsonString(body, health.problem);
    return HttpAnswer::json(503, body + "}");
  }
  return HttpAnswer::json(200, R"({"status":"serving"})");
}

HttpAnswer metricsAnswer(transport::TransportContext& context) {
  HttpAnswer answer;
  answer.contentType = "text/plain; version=0.0.4";
  answer.body = context.metrics.renderPrometheus(context.broker, context.executor, context.presence);
  return answer;
}

HttpAnswer privateAnswer(transport::TransportContext& context, std::string_view path) {
  if (path == "/metrics") return metricsAnswer(context);
  HttpAnswer answer;
  // Polled every second: a cache would only show the past.
  answer.headers = {{"Cache-Control", "no-store"}};
  if (path == "/status.json") {
    answer.contentType = "application/json";
    answer.body = transport::renderStatusJson(context.metrics, context.broker, context.executor, context.clock.now());
    return answer;
  }
  answer.contentType = "text/html; charset=utf-8";
  answer.body = std::string(statusPage());
  answer.headers.insert(answer.headers.end(), {{"Content-Security-Policy", statusPageSecurityPolicy()},
                                               {"X-Frame-Options", "DENY"},
                                               {"Referrer-Policy", "no-referrer"}});
  return answer;
}

HttpAnswer answerAdminRequest(transport::TransportContext& context, std::string_view method,
                              std::string_view target) {
  const TargetPath read = readPath(target);
  if (read.error) return HttpAnswer::refusal(context.metrics, Rejection::kBadRequest, 400, *read.error, "path");
  const std::string& path = read.path;
  if (path != "/healthz" && !isPrivatePath(path)) {
    return HttpAnswer::refusal(context.metrics, Rejection::kNotFound, 404,
                               "no such path on the admin listener: " + path +
                                   " (it serves /healthz, /metrics, /status and /status.json)",
                               "path");
  }
  if (method != "GET" && method != "HEAD") {
    HttpAnswer answer = HttpAnswer::refusal(
        context.metrics, Rejection::kMethodNotAllowed, 405,
        "method " + std::string(method) + " is not allowed on " + path + "; use GET, HEAD", "method");
    answer.headers.emplace_back("Allow", "GET, HEAD");
    return answer;
  }
  return path == "/healthz" ? healthAnswer(context) : privateAnswer(context, path);
}

}  // namespace spread::plugins::websocket
