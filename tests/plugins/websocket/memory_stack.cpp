#include "memory_stack.h"

#include <Poco/Logger.h>

namespace spread::plugins::websocket::testing {

MemoryStack::MemoryStack(std::map<std::string, std::string> config, transport::SessionOptions session,
                         const core::InjectedFaults* faults)
    : broker_(clock_, executor_, core::BrokerOptions{}),
      session_(session),
      publisher_(broker_, metrics_, session_.publishWaitMax, "chat"),
      config_(new Poco::Util::MapConfiguration) {
  // As the loopback test server: every client comes from 127.0.0.1.
  config_->setString("connectionsPerAddressMax", "1000000");
  for (const auto& [key, value] : config) config_->setString(key, value);
  context_ = std::make_unique<transport::TransportContext>(transport::TransportContext{
      broker_, clock_, executor_, metrics_, publisher_, session_, *config_, Poco::Logger::get("memory-stack"),
      faults, nullptr, &presence_});
  context_->streams = &streams_;
  server_ = std::make_unique<MemoryServer>(*context_, network_);
}

MemoryStack::~MemoryStack() {
  // Connections and sessions still in executor tasks work with the server's stack: run
  // them to the end before it goes.
  server_->closeAll();
  broker_.shutdown(core::Duration::zero(), [](core::CloseOutcome) {});
  executor_.runUntilIdle();
  server_.reset();
  executor_.runUntilIdle();
}

std::string MemoryStack::exchange(const std::string& bytes, core::Duration patience, bool* ended) {
  const int handle = connect();
  send(handle, bytes);
  return collect(handle, patience, ended);
}

std::string MemoryStack::collect(int handle, core::Duration patience, bool* ended) {
  const core::TimePoint until = clock_.now() + patience;
  std::string received;
  for (;;) {
    executor_.runUntilIdle();
    received += network_.clientTake(handle);
    const bool sawEnd = network_.clientSawEnd(handle);
    if (ended != nullptr) *ended = sawEnd;
    if (sawEnd) break;
    const std::optional<core::TimePoint> next = executor_.nextDue();
    if (!next || *next > until) break;
    executor_.advanceTo(*next);
  }
  return received;
}

std::string withoutDates(std::string answer) {
  for (std::size_t at = answer.find("\r\nDate: "); at != std::string::npos; at = answer.find("\r\nDate: ", at)) {
    const std::size_t end = answer.find("\r\n", at + 2);
    if (end == std::string::npos) break;
    answer.erase(at, end - at);
  }
  return answer;
}

}  // namespace spread::plugins::websocket::testing
