#include "daemon_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace spread::testing {
namespace {

using Clock = DaemonProcess::Clock;

std::runtime_error systemError(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

int millisecondsUntil(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(left.count(), 0));
}

// glibc 2.36's <sys/pidfd.h> lacks C linkage for C++, so this goes to the kernel directly.
int openPidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Closes a file descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::ostream& operator<<(std::ostream& out, const ExitStatus& status) {
  if (status.signal != 0) return out << "killed by signal " << status.signal;
  return out << "exit code " << status.code;
}

std::unique_ptr<DaemonProcess> DaemonProcess::start(const std::string& program, const std::vector<std::string>& args,
                                                    const std::string& workingDirectory) {
  int outPipe[2];
  int errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) throw systemError("pipe2");
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    ::close(outPipe[0]), ::close(outPipe[1]);
    throw systemError("pipe2");
  }
  FdCloser outWrite{outPipe[1]};
  FdCloser errWrite{errPipe[1]};
  std::unique_ptr<DaemonProcess> process(new DaemonProcess);
  process->out_.fd = outPipe[0];
  process->err_.fd = errPipe[0];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // dup2 clears close-on-exec on the copies, so only these two ends reach the child.
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO);
  if (!workingDirectory.empty()) posix_spawn_file_actions_addchdir_np(&actions, workingDirectory.c_str());

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal : {SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGCHLD}) sigaddset(&defaults, signal);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  const int failed = ::posix_spawn(&process->pid_, program.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (failed != 0) {
    errno = failed;
    process->pid_ = -1;
    throw systemError("posix_spawn " + program);
  }
  process->pidfd_ = openPidfd(process->pid_);
  if (process->pidfd_ < 0) throw systemError("pidfd_open");
  return process;
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0 && !exit_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  for (int fd : {out_.fd, err_.fd, pidfd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void DaemonProcess::readFrom(Stream& stream) {
  char buffer[4096];
  const ssize_t count = ::read(stream.fd, buffer, sizeof buffer);
  if (count > 0) {
    stream.text.append(buffer, static_cast<std::size_t>(count));
  } else if (count == 0 || errno != EINTR) {
    ::close(stream.fd);  // end of output (or a broken pipe, which ends it too)
    stream.fd = -1;
  }
}

bool DaemonProcess::pump(Clock::time_point deadline) {
  pollfd fds[3];
  nfds_t count = 0;
  for (Stream* stream : {&out_, &err_}) {
    if (stream->fd >= 0) fds[count++] = pollfd{stream->fd, POLLIN, 0};
  }
  if (!exit_) fds[count++] = pollfd{pidfd_, POLLIN, 0};
  if (count == 0) return false;
  const int ready = ::poll(fds, count, millisecondsUntil(deadline));
  if (ready < 0 && errno != EINTR) throw systemError("poll");
  for (nfds_t i = 0; i < count && ready > 0; ++i) {
    if (fds[i].revents == 0) continue;
    if (fds[i].fd == pidfd_) {
      reap();
    } else {
      readFrom(fds[i].fd == out_.fd ? out_ : err_);
    }
  }
  return Clock::now() < deadline;
}

bool DaemonProcess::reap() {
  if (exit_) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  ExitStatus ended;
  if (WIFEXITED(status)) ended.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) ended.signal = WTERMSIG(status);
  exit_ = ended;
  return true;
}

std::optional<std::string> DaemonProcess::waitForLine(std::string_view prefix, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    for (;;) {
      const std::size_t end = out_.text.find('\n', out_.scanned);
      if (end == std::string::npos) break;
      std::string line = out_.text.substr(out_.scanned, end - out_.scanned);
      out_.scanned = end + 1;
      if (line.starts_with(prefix)) return line;
    }
    if (out_.fd < 0 || !pump(deadline)) return std::nullopt;
  }
}

bool DaemonProcess::signal(int signal) { return !exit_ && ::kill(pid_, signal) == 0; }

std::optional<ExitStatus> DaemonProcess::waitForExit(Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!exit_) {
    if (!pump(deadline)) {
      if (!reap()) return std::nullopt;
    }
  }
  // The output's end follows the exit closely, unless a descendant kept the pipes open.
  while ((out_.fd >= 0 || err_.fd >= 0) && pump(deadline)) {
  }
  return exit_;
}

std::optional<std::string> waitForFile(const std::string& path, const std::function<bool(const std::string&)>& complete,
                                       Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  FdCloser watch{::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)};
  if (watch.fd < 0) throw systemError("inotify_init1");
  const std::string directory = std::filesystem::path(path).parent_path().string();
  if (::inotify_add_watch(watch.fd, directory.c_str(), IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    throw systemError("inotify_add_watch " + directory);
  }
  // Watching first, then reading, so that no change can fall between the two.
  for (;;) {
    std::ifstream file(path);
    if (file) {
      std::ostringstream content;
      content << file.rdbuf();
      if (complete(content.str())) return content.str();
    }
    pollfd fd{watch.fd, POLLIN, 0};
    if (::poll(&fd, 1, millisecondsUntil(deadline)) <= 0) return std::nullopt;
    char events[4096];
    while (::read(watch.fd, events, sizeof events) > 0) {
    }
  }
}

bool waitForProcessEnd(pid_t pid, Clock::duration timeout) {
  FdCloser pidfd{openPidfd(pid)};
  if (pidfd.fd < 0) return errno == ESRCH;
  pollfd fd{pidfd.fd, POLLIN, 0};
  return ::poll(&fd, 1, millisecondsUntil(Clock::now() + timeout)) > 0;
}

}  // namespace spread::testing
