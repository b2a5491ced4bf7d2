#include "detachment.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <string>

namespace spread::daemon {
namespace {

constexpr char kReady = 'R';
constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE, as for a transport that cannot start
constexpr int kExitOsError = 71;      // EX_OSERR

void printError(const std::string& message) { std::cerr << "spreadd: error: " << message << std::endl; }

// The launcher's side: the server's report, or its exit, or the deadline.
int awaitServer(pid_t server, int reportFd, std::chrono::seconds readyWithin) {
  pollfd report{reportFd, POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + readyWithin;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const int ready = left.count() <= 0 ? 0 : ::poll(&report, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      printError("the detached server did not report ready within " + std::to_string(readyWithin.count()) +
                 " s; stopping it");
      ::kill(server, SIGKILL);
      ::waitpid(server, nullptr, 0);
      return kExitUnavailable;
    }
    char byte = 0;
    const ssize_t got = ::read(reportFd, &byte, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got == 1 && byte == kReady) return 0;
    break;  // closed unreported: the server is ending before it served
  }
  int status = 0;
  while (::waitpid(server, &status, 0) < 0) {
    if (errno != EINTR) {
      printError("cannot learn how the detached server ended");
      return kExitOsError;
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  printError("the detached server was killed by signal " + std::to_string(WTERMSIG(status)) +
             " before it was ready");
  return kExitOsError;
}

}  // namespace

std::optional<Detachment> Detachment::detach(std::chrono::seconds readyWithin, int& launcherStatus) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    printError("cannot detach: pipe() failed");
    launcherStatus = kExitOsError;
    return std::nullopt;
  }
  std::cout.flush();
  std::cerr.flush();
  const pid_t child = ::fork();
  if (child < 0) {
    printError("cannot detach: fork() failed");
    ::close(fds[0]);
    ::close(fds[1]);
    launcherStatus = kExitOsError;
    return std::nullopt;
  }
  if (child > 0) {
    ::close(fds[1]);
    launcherStatus = awaitServer(child, fds[0], readyWithin);
    ::close(fds[0]);
    return std::nullopt;
  }
  ::close(fds[0]);
  ::setsid();  // no controlling terminal: a hang-up of the launching shell is not ours
  // Every path spreadd uses was made absolute before this; "/" only avoids pinning a mount.
  if (::chdir("/") != 0) printError("cannot change to /; staying where we were started");
  return Detachment(fds[1]);
}

Detachment::Detachment(Detachment&& other) noexcept : reportFd_(other.reportFd_) { other.reportFd_ = -1; }

Detachment& Detachment::operator=(Detachment&& other) noexcept {
  if (this != &other) {
    if (reportFd_ >= 0) ::close(reportFd_);
    reportFd_ = other.reportFd_;
    other.reportFd_ = -1;
  }
  return *this;
}

Detachment::~Detachment() {
  if (reportFd_ >= 0) ::close(reportFd_);
}

void Detachment::ready() {
  if (reportFd_ < 0) return;
  std::cout.flush();
  std::cerr.flush();
  // The launcher's streams may be a terminal or a pipe someone reads to its end: let go of
  // them before saying we are ready, so that the launcher's exit ends that reader's wait.
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::close(null);
  }
  const char byte = kReady;
  while (::write(reportFd_, &byte, 1) < 0 && errno == EINTR) {
  }
  ::close(reportFd_);
  reportFd_ = -1;
}

}  // namespace spread::daemon
