#include "http/http_answer.h"

#include "spread/transport/publish_service.h"

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

}  // namespace spread::plugins::websocket
