#pragma once

#include <chrono>
#include <optional>

namespace spread::daemon {

/// spreadd --daemon, done so that the launching process can say how the start went. Poco's
/// own --daemon forks before the configuration is even read, and its launcher exits 0 at
/// once: every later error went to the detached process's /dev/null.
///
/// spreadd validates everything first and then calls detach(). The launcher stays until the
/// detached server reports that it is serving (exit 0, after the server's own
/// "spreadd: listening"/"spreadd: ready" lines, printed to the launcher's streams), or
/// until the server exits before that (the launcher exits with the server's status, its
/// error already printed to the same stderr), or until `readyWithin` has passed (the
/// launcher kills the server and exits 69).
class Detachment {
 public:
  /// Forks, before any thread is started. In the detached process, which is now in a
  /// session of its own with "/" as its working directory, returns the Detachment. In the
  /// launcher, waits as described above and returns nullopt with `launcherStatus` set: the
  /// caller must then leave with std::_Exit(launcherStatus), running no destructor or
  /// atexit handler that belongs to the detached server (Poco deletes the pid file in one).
  /// If fork() itself fails, returns nullopt with `launcherStatus` 71 (EX_OSERR).
  static std::optional<Detachment> detach(std::chrono::seconds readyWithin, int& launcherStatus);

  Detachment(Detachment&& other) noexcept;
  Detachment& operator=(Detachment&& other) noexcept;
  Detachment(const Detachment&) = delete;
  ~Detachment();

  /// In the detached server, once it serves: points the standard streams at /dev/null and
  /// lets the launcher exit 0. Idempotent.
  void ready();

 private:
  explicit Detachment(int reportFd) : reportFd_(reportFd) {}

  int reportFd_;  // the pipe's write end; closing it unreported tells the launcher to wait for our exit
};

}  // namespace spread::daemon
