#include "shutdown_sequence.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <chrono>
#include <future>
#include <memory>

namespace spread::daemon {
namespace {

using WallClock = std::chrono::steady_clock;

// Long enough for a transport to report after closing its last connections, short enough
// to leave most of a small grace period to the work itself.
WallClock::duration reserveFor(core::Duration grace) {
  return std::min<WallClock::duration>(grace / 10, std::chrono::milliseconds(250));
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

ShutdownReport shutDown(ServerRuntime& runtime, TransportSet& transports, core::Duration grace, Poco::Logger& logger) {
  const auto deadline = WallClock::now() + std::chrono::duration_cast<WallClock::duration>(grace);
  const auto closeBy = deadline - reserveFor(grace);

  transports.beginDrain();
  runtime.publisher().beginDrain();

  auto brokerDone = std::make_shared<std::promise<core::CloseOutcome>>();
  auto brokerOutcome = brokerDone->get_future();
  const auto brokerGrace = std::max(closeBy - WallClock::now(), WallClock::duration::zero());
  runtime.broker().shutdown(std::chrono::duration_cast<core::Duration>(brokerGrace),
                            [brokerDone](core::CloseOutcome outcome) { brokerDone->set_value(outcome); });
  if (brokerOutcome.wait_until(closeBy) != std::future_status::ready ||
      brokerOutcome.get() != core::CloseOutcome::kCompleted) {
    logger.warning("the broker had not delivered everything it accepted when the grace period ran out");
  }

  ShutdownReport report;
  report.unstoppedTransports = transports.stop(closeBy, deadline);
  if (!report.clean()) {
    logger.warning("transport(s) " + joined(report.unstoppedTransports) +
                   " did not stop within spread.shutdownGraceMs; exiting without waiting for them");
    return report;
  }
  runtime.executor().shutdown();
  // Nothing should have posted to a stopped executor; if something did, that work is lost.
  if (const std::uint64_t refused = runtime.executor().refusedTasks(); refused != 0) {
    logger.warning(std::to_string(refused) + " task(s) were refused by the stopping executor");
  }
  return report;
}

}  // namespace spread::daemon
