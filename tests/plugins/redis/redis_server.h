#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace spread::plugins::redis::testing {

/// A redis-server of the test's own: on a free loopback port, no persistence, in a temp
/// directory, stopped (SIGKILL) when destroyed. start() returns once the server has logged
/// that it accepts connections; it retries on another port when the chosen one was taken.
/// When redis-server is missing, start() throws with the command that installs it. It is
/// looked for in /usr/bin, /usr/local/bin and /usr/sbin, or at $SPREAD_REDIS_SERVER when set.
class RedisServer {
 public:
  /// `password` empty: no requirepass.
  explicit RedisServer(std::string password = "");
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// Starts the server on a new free port, or on the same port again after kill().
  void start();
  /// SIGKILL, then waits for the process to be gone.
  void kill();
  void pause();   // SIGSTOP: the server holds its connections and answers nothing.
  void resume();  // SIGCONT

  int port() const { return port_; }

 private:
  bool launch(int port, std::string& log);

  std::string password_;
  std::string directory_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace spread::plugins::redis::testing
