#include "http/http_response.h"

#include <Poco/Net/HTTPResponse.h>

#include <ctime>

namespace spread::plugins::websocket {

namespace {

// The IMF-fixdate of the current second, formatted once per second per loop thread:
// a publisher flat out sends tens of thousands of requests a second.
std::string_view currentDate() {
  thread_local std::time_t formattedAt = -1;
  thread_local char text[64];
  thread_local std::size_t length = 0;
  const std::time_t now = std::time(nullptr);
  if (now != formattedAt) {
    std::tm parts{};
    ::gmtime_r(&now, &parts);
    length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    formattedAt = now;
  }
  return {text, length};
}

}  // namespace

void appendResponse(std::string& out, const HttpAnswer& answer, bool keepAlive, int versionMinor, bool headOnly) {
  out += "HTTP/1.1 ";
  out += std::to_string(answer.status);
  out += ' ';
  using Poco::Net::HTTPResponse;
  out += HTTPResponse::getReasonForStatus(static_cast<HTTPResponse::HTTPStatus>(answer.status));
  out += "\r\nDate: ";
  out += currentDate();
  out += "\r\n";
  bool namesConnection = false;
  for (const auto& [name, value] : answer.headers) {
    namesConnection |= name == "Connection";
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!namesConnection) {
    if (!keepAlive) {
      out += "Connection: close\r\n";
    } else if (versionMinor == 0) {
      out += "Connection: keep-alive\r\n";
    }
  }
  if (!answer.contentType.empty()) {
    out += "Content-Type: ";
    out += answer.contentType;
    out += "\r\nX-Content-Type-Options: nosniff\r\n";
  }
  const bool bodyless = answer.status < 200 || answer.status == 204 || answer.status == 304;
  if (!bodyless) {
    out += "Content-Length: ";
    out += std::to_string(answer.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  if (!bodyless && !headOnly) out += answer.body;
}

}  // namespace spread::plugins::websocket
