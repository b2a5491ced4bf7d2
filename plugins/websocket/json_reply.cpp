#include "json_reply.h"

#include <Poco/Net/HTTPServerResponse.h>

#include "http_answer.h"

namespace spread::plugins::websocket {

void sendAnswer(Poco::Net::HTTPServerResponse& response, const HttpAnswer& answer) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
  for (const auto& [name, value] : answer.headers) response.set(name, value);
  if (answer.close) response.setKeepAlive(false);
  if (!answer.contentType.empty()) response.setContentType(answer.contentType);
  response.sendBuffer(answer.body.data(), answer.body.size());
}

void sendJson(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json");
  response.sendBuffer(body.data(), body.size());
}

void refuse(transport::Metrics& metrics, Poco::Net::HTTPServerResponse& response, transport::Rejection why,
            int status, std::string_view error, std::string_view field) {
  metrics.rejected(why);
  sendJson(response, status, errorJson(error, field));
}

}  // namespace spread::plugins::websocket
