#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "client_world.h"
#include "spread/transport/publish_service.h"

namespace spread::plugins::sim {

/// One scripted POST /publish, spoken in bytes to the server's real stack on a connection
/// of its own: it sends the request (with Connection: close), reads the answer, and
/// reports it to the observer as the PublishResult the status and JSON error stand for.
class ScriptedPublish : public std::enable_shared_from_this<ScriptedPublish> {
 public:
  /// `done` is called once the answer is reported (or the server hung up without one).
  ScriptedPublish(std::uint64_t requestId, int handle, ClientWorld& world, std::function<void(std::uint64_t)> done);
  ~ScriptedPublish();

  void send(const std::string& topic, const std::string& body, const std::string& token = {});

 private:
  void arrived();

  const std::uint64_t requestId_;
  const int handle_;
  ClientWorld& world_;
  std::function<void(std::uint64_t)> done_;
  bool answered_ = false;
};

/// The PublishResult an HTTP answer to POST /publish stands for.
transport::PublishResult publishResultFor(int status, const std::string& error);

}  // namespace spread::plugins::sim
