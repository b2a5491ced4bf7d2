#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "admission/client_address.h"
#include "http_connection.h"
#include "io/network.h"
#include "serving_context.h"

namespace spread::plugins::websocket {

/// Where every new client connection comes in, from the listening socket or the in-memory
/// network alike: it is counted against the connection limits and dealt to a loop as an
/// HttpConnection. A client over connectionsMax or connectionsPerAddressMax still gets an
/// answer (503 with a JSON body, then the end of its connection), up to kRefusingMax refused
/// connections at once; past that, refused connections are closed without one, so refusing
/// costs a flood no more than a few descriptors. Called from one loop's thread.
class ClientIntake {
 public:
  explicit ClientIntake(ServingContext& context);

  /// Takes ownership of `handle` on `network`, a connection from `peer`.
  void admit(Network& network, int handle, const ClientAddress& peer);

 private:
  ServingContext& context_;
  // Refused connections still being answered; shared with their tokens, which may outlive
  // the intake.
  const std::shared_ptr<std::atomic<std::int64_t>> refusing_;
};

}  // namespace spread::plugins::websocket
