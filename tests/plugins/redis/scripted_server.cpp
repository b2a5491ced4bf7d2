#include "scripted_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace spread::plugins::redis::testing {

namespace {
struct Connection {
  int fd;
  std::string received;
  std::vector<ScriptedServer::Step> steps;
  std::size_t next = 0;
};
}  // namespace

ScriptedServer::ScriptedServer(std::function<std::vector<Step>(int)> script) : script_(std::move(script)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 ||
      ::listen(listener_, 16) < 0) {
    throw std::runtime_error("the scripted server cannot listen on 127.0.0.1:0");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

ScriptedServer::~ScriptedServer() {
  stopping_ = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wakeFd_, &one, sizeof one);
  thread_.join();
  ::close(wakeFd_);
  ::close(listener_);
}

void ScriptedServer::run() {
  std::vector<Connection> connections;
  while (!stopping_) {
    std::vector<pollfd> polled{{wakeFd_, POLLIN, 0}, {listener_, POLLIN, 0}};
    for (const Connection& connection : connections) polled.push_back({connection.fd, POLLIN, 0});
    if (::poll(polled.data(), polled.size(), -1) < 0) continue;
    if (polled[1].revents & POLLIN) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) connections.push_back({fd, "", script_(accepted_++)});
    }
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& connection = connections[i];
      bool open = true;
      if (i + 2 < polled.size() && polled[i + 2].fd == connection.fd && polled[i + 2].revents != 0) {
        char buffer[4096];
        ssize_t got = ::recv(connection.fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got > 0) connection.received.append(buffer, static_cast<std::size_t>(got));
        if (got == 0 || (got < 0 && errno != EAGAIN)) open = false;
      }
      while (open && connection.next < connection.steps.size() &&
             connection.received.find(connection.steps[connection.next].after) != std::string::npos) {
        const std::string& bytes = connection.steps[connection.next++].send;
        // Whatever does not fit in the socket buffer is dropped: the scripts are small or garbage.
        [[maybe_unused]] auto sent = ::send(connection.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      if (!open) {
        ::close(connection.fd);
        connection.fd = -1;
      }
    }
    std::erase_if(connections, [](const Connection& connection) { return connection.fd < 0; });
  }
  for (const Connection& connection : connections) ::close(connection.fd);
}

}  // namespace spread::plugins::redis::testing
