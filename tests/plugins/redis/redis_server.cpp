#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace spread::plugins::redis::testing {

namespace {

constexpr auto kReadyDeadline = std::chrono::seconds(10);
constexpr int kPortAttempts = 5;

std::string findRedisServer() {
  // SPREAD_REDIS_SERVER names another binary (or, in the test of this message, a missing one).
  if (const char* chosen = std::getenv("SPREAD_REDIS_SERVER"); chosen != nullptr && *chosen != '\0') {
    if (::access(chosen, X_OK) == 0) return chosen;
    throw std::runtime_error(std::string("redis-server is not at SPREAD_REDIS_SERVER=") + chosen +
                             "; the Redis link's tests need it: run scripts/install-deps.sh --with-test-clients");
  }
  for (const char* candidate : {"/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  throw std::runtime_error(
      "redis-server is not installed; the Redis link's tests need it: run scripts/install-deps.sh --with-test-clients");
}

// A port nothing listens on right now; another process may take it before redis does,
// which launch() notices (redis exits) and start() answers with another port.
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    throw std::runtime_error("cannot bind 127.0.0.1:0 to find a free port");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

RedisServer::RedisServer(std::string password) : password_(std::move(password)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "spread-redis-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a temp directory");
  directory_ = pattern;
}

RedisServer::~RedisServer() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

void RedisServer::start() {
  std::string log;
  if (port_ != 0) {
    if (!launch(port_, log)) throw std::runtime_error("redis-server did not start again on its port:\n" + log);
    return;
  }
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    int port = freePort();
    if (launch(port, log)) {
      port_ = port;
      return;
    }
  }
  throw std::runtime_error("redis-server did not start in " + std::to_string(kPortAttempts) + " attempts:\n" + log);
}

bool RedisServer::launch(int port, std::string& log) {
  std::string binary = findRedisServer();
  std::vector<std::string> arguments{binary,       "--port",       std::to_string(port),   "--bind", "127.0.0.1",
                                     "--save",     "",             "--appendonly",         "no",     "--dir",
                                     directory_,   "--logfile",    "",                     "--daemonize", "no"};
  if (!password_.empty()) {
    arguments.push_back("--requirepass");
    arguments.push_back(password_);
  }
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) < 0) throw std::runtime_error("pipe2 failed");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(pipeFds[1], STDOUT_FILENO);
    ::dup2(pipeFds[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(pipeFds[1]);
  pid_ = pid;
  // Await the line that says the server accepts connections; EOF means it exited.
  log.clear();
  auto deadline = std::chrono::steady_clock::now() + kReadyDeadline;
  bool ready = false;
  while (!ready) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd poller{pipeFds[0], POLLIN, 0};
    if (::poll(&poller, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    ssize_t got = ::read(pipeFds[0], buffer, sizeof buffer);
    if (got <= 0) break;
    log.append(buffer, static_cast<std::size_t>(got));
    ready = log.find("Ready to accept connections") != std::string::npos;
  }
  // Redis ignores SIGPIPE, so its later log lines are simply lost once this end is closed.
  ::close(pipeFds[0]);
  if (!ready) kill();
  return ready;
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

}  // namespace spread::plugins::redis::testing
