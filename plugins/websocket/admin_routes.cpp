#include "admin_routes.h"

#include <string>

#include "http/topic_query.h"

namespace spread::plugins::websocket {

using transport::Rejection;

bool isPrivatePath(std::string_view path) { return path == "/metrics"; }

HttpAnswer healthAnswer(transport::TransportContext& context) {
  return context.publisher.draining() ? HttpAnswer::json(503, R"({"status":"draining"})")
                                      : HttpAnswer::json(200, R"({"status":"serving"})");
}

HttpAnswer metricsAnswer(transport::TransportContext& context) {
  HttpAnswer answer;
  answer.contentType = "text/plain; version=0.0.4";
  answer.body = context.metrics.renderPrometheus(context.broker, context.executor);
  return answer;
}

HttpAnswer answerAdminRequest(transport::TransportContext& context, std::string_view method,
                              std::string_view target) {
  const TargetPath read = readPath(target);
  if (read.error) return HttpAnswer::refusal(context.metrics, Rejection::kBadRequest, 400, *read.error, "path");
  const std::string& path = read.path;
  if (path != "/healthz" && path != "/metrics") {
    return HttpAnswer::refusal(context.metrics, Rejection::kNotFound, 404,
                               "no such path on the admin listener: " + path + " (it serves /healthz and /metrics)",
                               "path");
  }
  if (method != "GET" && method != "HEAD") {
    HttpAnswer answer = HttpAnswer::refusal(
        context.metrics, Rejection::kMethodNotAllowed, 405,
        "method " + std::string(method) + " is not allowed on " + path + "; use GET, HEAD", "method");
    answer.headers.emplace_back("Allow", "GET, HEAD");
    return answer;
  }
  return path == "/healthz" ? healthAnswer(context) : metricsAnswer(context);
}

}  // namespace spread::plugins::websocket
