#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace spread::testing {

/// How a process ended.
struct ExitStatus {
  int code = -1;   // the exit code, or -1 if a signal ended it
  int signal = 0;  // the signal that ended it, or 0
  bool exitedWith(int expected) const { return signal == 0 && code == expected; }
};
std::ostream& operator<<(std::ostream& out, const ExitStatus& status);

/// A program run by a test (typically spreadd), with its standard output and error read
/// through pipes. Every wait takes a timeout and is driven by poll(): on the pipes, and on
/// a pidfd for the exit, so nothing sleeps and nothing depends on SIGCHLD.
/// The child starts with no signal blocked and default signal actions. Not thread-safe.
class DaemonProcess {
 public:
  using Clock = std::chrono::steady_clock;

  /// Starts `program` with `args`, in `workingDirectory` (empty: the test's own), with
  /// standard input from /dev/null. Throws std::runtime_error if it cannot be started.
  static std::unique_ptr<DaemonProcess> start(const std::string& program, const std::vector<std::string>& args,
                                              const std::string& workingDirectory = {});

  /// Kills the process with SIGKILL if it still runs, and reaps it.
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  pid_t pid() const { return pid_; }

  /// Returns the next line of standard output (after the ones already returned) that starts
  /// with `prefix`, without its newline; nullopt if none came within `timeout` or the
  /// output ended first.
  std::optional<std::string> waitForLine(std::string_view prefix, Clock::duration timeout);

  /// Sends `signal` to the process. False if it is gone.
  bool signal(int signal);

  /// Waits up to `timeout` for the process to exit, then reads what is left of its output.
  /// nullopt if it still runs. Once it has exited, returns the same status every time.
  std::optional<ExitStatus> waitForExit(Clock::duration timeout);

  /// Everything read from standard output and error so far.
  const std::string& output() const { return out_.text; }
  const std::string& errors() const { return err_.text; }

 private:
  struct Stream {
    int fd = -1;
    std::string text;
    std::size_t scanned = 0;  // waitForLine has looked at text before this offset
  };

  DaemonProcess() = default;
  // Waits until `deadline` for output on either stream or for the exit, and reads what
  // came. Returns false once the deadline passed.
  bool pump(Clock::time_point deadline);
  void readFrom(Stream& stream);
  bool reap();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  Stream out_;
  Stream err_;
  std::optional<ExitStatus> exit_;
};

/// Waits up to `timeout` for the file at `path` to exist with content for which
/// `complete(content)` holds; returns the content, or nullopt. Watches the file's
/// directory with inotify, so it wakes on each change instead of polling on a timer.
std::optional<std::string> waitForFile(const std::string& path, const std::function<bool(const std::string&)>& complete,
                                       DaemonProcess::Clock::duration timeout);

/// Waits up to `timeout` for process `pid` (not necessarily a child) to end, through a
/// pidfd. True once it has ended (a zombie counts as ended).
bool waitForProcessEnd(pid_t pid, DaemonProcess::Clock::duration timeout);

}  // namespace spread::testing
