#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace spread::plugins::redis::testing {

/// A fake Redis on 127.0.0.1 that answers from a script: for each connection, a list of
/// steps, each sent once the client has sent `after` (at once when empty). For hostile-server
/// tests; one thread of its own, stopped and joined by the destructor.
class ScriptedServer {
 public:
  struct Step {
    std::string after;
    std::string send;
  };
  /// `script(n)` gives the steps of the n-th accepted connection (from 0).
  explicit ScriptedServer(std::function<std::vector<Step>(int connection)> script);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void run();

  std::function<std::vector<Step>(int)> script_;
  int listener_ = -1;
  int wakeFd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spread::plugins::redis::testing
