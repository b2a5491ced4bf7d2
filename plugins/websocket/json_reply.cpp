#include "json_reply.h"

#include <Poco/Net/HTTPServerResponse.h>

namespace spread::plugins::websocket {

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
