#include "scripted_publish.h"

#include <utility>

#include "http_answer_reader.h"

namespace spread::plugins::sim {

using Status = transport::PublishResult::Status;

transport::PublishResult publishResultFor(int status, const std::string& error) {
  transport::PublishResult result;
  result.error = error;
  switch (status) {
    case 204: result.status = Status::kAccepted; break;
    case 401: result.status = Status::kUnauthorized; break;
    case 403: result.status = Status::kForbidden; break;
    // The server names a bad topic in the field of its JSON error; the route reads the
    // topic from the query before anything else can fail.
    case 400: result.status = error.find("topic") != std::string::npos ? Status::kBadTopic : Status::kBadRequest; break;
    case 503:
      result.status = error.find("shutting down") != std::string::npos ? Status::kDraining : Status::kBusy;
      break;
    case 429: result.status = Status::kBusy; break;
    // Hung up on without an answer: the transport stopped (the only time the stack does).
    case 0: result.status = Status::kDraining; break;
    default: result.status = Status::kBadRequest; break;
  }
  if (status == 0 && result.error.empty()) result.error = "the connection ended without an answer";
  return result;
}

ScriptedPublish::ScriptedPublish(std::uint64_t requestId, int handle, ClientWorld& world,
                                 std::function<void(std::uint64_t)> done)
    : requestId_(requestId), handle_(handle), world_(world), done_(std::move(done)) {}

ScriptedPublish::~ScriptedPublish() { world_.network.clientRelease(handle_); }

void ScriptedPublish::send(const std::string& topic, const std::string& body, const std::string& token) {
  world_.network.clientWatch(handle_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->arrived();
  });
  world_.network.clientSend(handle_, "POST /publish?topic=" + topic +
                                         " HTTP/1.1\r\nHost: spread.sim\r\nContent-Type: application/json\r\n"
                                         "Connection: close\r\n" +
                                         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
                                         "Content-Length: " +
                                         std::to_string(body.size()) + "\r\n\r\n" + body);
}

void ScriptedPublish::arrived() {
  if (answered_) return;
  const bool ended = world_.network.clientSawEnd(handle_);
  std::optional<HttpAnswerRead> answer = readHttpAnswer(world_.network.clientPeek(handle_), ended);
  if (!answer && !ended) return;
  answered_ = true;
  const transport::PublishResult result =
      answer ? publishResultFor(answer->status, answer->error) : publishResultFor(0, {});
  if (world_.observer != nullptr) world_.observer->onPublishAnswered(requestId_, result);
  // Last: the transport forgets this request, which may destroy it.
  done_(requestId_);
}

}  // namespace spread::plugins::sim
