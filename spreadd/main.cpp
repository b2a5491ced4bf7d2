// spreadd: the Spread server. See spreadd_application.h.
#include <csignal>

#include "spreadd_application.h"

int main(int argc, char** argv) {
  // Before anything can start a thread: every thread inherits this mask, so termination
  // signals reach only the main thread's sigwait().
  spread::daemon::SpreaddApplication::blockTerminationSignals();
  // A client vanishing mid-write must be an error on that socket, not the end of the server.
  std::signal(SIGPIPE, SIG_IGN);
  spread::daemon::SpreaddApplication application;
  return application.runCommandLine(argc, argv);
}
