#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/clock.h"
#include "spread/core/executor.h"
#include "spread/plugins/sim/sim_control.h"
#include "spread/plugins/sim/split_mix.h"
#include "spread/transport/metrics.h"

namespace spread::plugins::sim {

/// The deliberate bugs a test can switch on to prove the harness catches them. Each is
/// off in every normal run.
struct BugSwitches {
  bool dropAfterResume = false;    // the first message after a resume is lost on the wire
  bool duplicateDelivery = false;  // every 7th message read is read twice
  bool closeTwice = false;         // a server close reports a second end when the link goes
  bool endBeforeFlush = false;     // a closed connection reports its end before its queue drains
  bool queueOffByOne = false;      // sessions get one more queue slot than asked
  bool earlyDrop = false;          // sessions get one queue slot fewer than asked
  bool slowStop = false;           // stop() overruns its deadline by a second
  bool windowIgnored = false;      // the link ignores the client's receive window
  bool lostClose = false;          // a link cut by the server reports no end
  bool throwInTask = false;        // the arrival of message 3 throws out of its task
  bool wrongDropCode = false;      // a drop for a full queue goes out as 1001, not 1008
  bool reorderPublishes = false;   // every second HTTP publish takes 1ms longer to arrive

  /// Switches on the bug called `name`; false if there is none.
  bool enable(std::string_view name);
  static const std::set<std::string>& names();
};

/// What every simulated connection shares: time, the executor, the observer, jitter,
/// bugs and limits. Owned by the transport; outlives its connections.
struct SimNetwork {
  core::Clock& clock;
  // The simulator's ManualExecutor, which refuses nothing unless told to. The network posts
  // without checking each answer ((void) at the call); a refusal would be a lost event, and
  // the checker's no-refused-task invariant fails the run on any.
  core::Executor& executor;
  transport::Metrics& metrics;
  std::size_t sendWindowBytes;
  std::size_t messageBytesMax;  // a bigger client frame closes the connection with 1009
  core::Duration closeTimeout;
  SimObserver* observer = nullptr;
  SplitMix random{1};
  BugSwitches bugs;
  // Connections whose receive window filled further since SimControl::takeGrownLinks():
  // the only moments the window's bound can be broken, so the checker looks at these alone.
  std::vector<ConnectionId> linksGrown;
};

}  // namespace spread::plugins::sim
