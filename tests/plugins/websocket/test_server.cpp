#include "test_server.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <filesystem>
#include <future>
#include <stdexcept>

#include "spread/transport/chat_codec.h"

namespace spread::plugins::websocket::testing {

TestServer::TestServer(TestServerOptions options)
    : options_(std::move(options)),
      pool_(options_.executorThreads),
      manualTimers_(options_.manualTime ? std::make_unique<ManualTimerExecutor>(pool_, manualClock_) : nullptr),
      clock_(options_.manualTime ? static_cast<core::Clock&>(manualClock_) : steadyClock_),
      executor_(manualTimers_ ? static_cast<core::Executor&>(*manualTimers_) : pool_),
      broker_(clock_, executor_, options_.broker),
      publisher_(broker_, metrics_, options_.session.publishWaitMax, "chat"),
      config_(new Poco::Util::MapConfiguration) {
  config_->setString("host", "127.0.0.1");
  config_->setString("port", "0");
  // Every test client comes from 127.0.0.1; tests of the limits set their own.
  config_->setString("connectionsPerAddressMax", "1000000");
  for (const auto& [key, value] : options_.config) config_->setString(key, value);
  context_ = std::make_unique<transport::TransportContext>(transport::TransportContext{
      broker_, clock_, executor_, metrics_, publisher_, options_.session, *config_, Poco::Logger::get("websocket-test"),
      nullptr, nullptr, &presence_});
  const transport::StartResult started = transport_.start(*context_);
  if (!started.ok) throw std::runtime_error("transport did not start: " + started.error);
  const std::string endpoint = transport_.endpoint();
  const auto colon = endpoint.rfind(':');
  port_ = static_cast<std::uint16_t>(std::stoi(endpoint.substr(colon + 1)));
}

TestServer::~TestServer() {
  if (!stopped_) transport_.stop(std::chrono::seconds(0), [](transport::StopOutcome) {});
  pool_.shutdown();
}

HttpReply TestServer::request(const std::string& method, const std::string& target, const std::string& body,
                              const std::map<std::string, std::string>& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port_);
  session.setTimeout(Poco::Timespan(5, 0));
  Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply reply;
  reply.status = response.getStatus();
  reply.contentType = response.getContentType();
  for (const auto& [name, value] : response) reply.headers[name] = value;
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

HttpReply TestServer::publish(const std::string& name, const std::string& msg, const std::string& target) {
  std::string body = "{\"name\":";
  transport::appendJsonString(body, name);
  body += ",\"msg\":";
  transport::appendJsonString(body, msg);
  body += "}";
  return request("POST", target, body);
}

std::unique_ptr<Poco::Net::WebSocket> TestServer::subscribe(const std::string& target) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port_);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, target, Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse response;
  auto socket = std::make_unique<Poco::Net::WebSocket>(session, request, response);
  socket->setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string probe = "{}";
  socket->sendFrame(probe.data(), static_cast<int>(probe.size()), Poco::Net::WebSocket::FRAME_TEXT);
  int flags = 0;
  const std::string reply = receiveText(*socket, &flags);
  if (reply.find("\"error\"") == std::string::npos) throw std::runtime_error("subscribe probe got: " + reply);
  return socket;
}

std::unique_ptr<RawClient> TestServer::subscribeRaw(const std::string& target, int receiveBufferBytes) {
  auto client = std::make_unique<RawClient>(port_, target, receiveBufferBytes);
  if (!client->upgraded()) throw std::runtime_error("upgrade refused: " + client->handshakeResponse());
  if (!client->waitUntilSubscribed()) throw std::runtime_error("session did not answer the probe");
  return client;
}

transport::StopOutcome TestServer::shutdown(std::chrono::milliseconds deadline) {
  transport_.beginDrain();
  publisher_.beginDrain();
  std::promise<void> brokerDone;
  broker_.shutdown(deadline, [&brokerDone](core::CloseOutcome) { brokerDone.set_value(); });
  brokerDone.get_future().wait();
  std::promise<transport::StopOutcome> stopped;
  transport_.stop(deadline, [&stopped](transport::StopOutcome outcome) { stopped.set_value(outcome); });
  stopped_ = true;
  return stopped.get_future().get();
}

std::string receiveText(Poco::Net::WebSocket& socket, int* flags) {
  char buffer[70000];
  int received = 0;
  int localFlags = 0;
  try {
    received = socket.receiveFrame(buffer, sizeof buffer, localFlags);
  } catch (const Poco::TimeoutException&) {
    localFlags = 0;
  }
  if (flags != nullptr) *flags = localFlags;
  return std::string(buffer, static_cast<std::size_t>(std::max(received, 0)));
}

std::size_t threadCount() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++count;
  return count;
}

}  // namespace spread::plugins::websocket::testing
