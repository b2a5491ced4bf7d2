#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spread/transport/metrics.h"

namespace spread::plugins::websocket {

/// A whole HTTP answer, before it is written as bytes (http_response.h).
struct HttpAnswer {
  int status = 200;
  std::string contentType;  // empty when there is no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Allow, Upgrade, Retry-After…
  bool close = false;  // the connection ends after this answer

  /// A refusal: errorJson(error, field) as application/json, counted in `metrics`.
  static HttpAnswer refusal(transport::Metrics& metrics, transport::Rejection why, int status,
                            std::string_view error, std::string_view field = {});
  /// A refusal by a configured limit: also counted under the limit's key.
  static HttpAnswer limitRefusal(transport::Metrics& metrics, transport::Rejection why, transport::Limit limit,
                                 int status, std::string_view error, std::string_view field = {});
  static HttpAnswer json(int status, std::string body);
};

}  // namespace spread::plugins::websocket
