#pragma once

#include <set>
#include <string>
#include <string_view>

#include "io/memory_network.h"
#include "spread/core/clock.h"
#include "spread/core/executor.h"
#include "spread/core/message.h"
#include "spread/plugins/sim/sim_control.h"
#include "spread/plugins/sim/split_mix.h"

namespace spread::plugins::sim {

/// The deliberate bugs a test can switch on to prove the harness catches them. Each is
/// off in every normal run. They live in the simulated clients, the transport and the
/// in-memory network around the real stack; bugs in the stack, Session and the broker
/// are core::InjectedFaults.
struct BugSwitches {
  bool dropAfterResume = false;    // the first message read after a resume is not reported
  bool duplicateDelivery = false;  // every 7th message read is reported twice
  bool closeTwice = false;         // a server close reports a second end when the link goes
  bool endBeforeFlush = false;     // a server close is reported as the connection's end at once
  bool queueOffByOne = false;      // sessions get one more queue slot than asked
  bool earlyDrop = false;          // sessions get one queue slot fewer than asked
  bool slowStop = false;           // stop() overruns its deadline by a second
  bool windowIgnored = false;      // the network ignores the client's receive window
  bool lostClose = false;          // a link cut by the server reports no end
  bool throwInTask = false;        // reading message 3 throws out of its task
  bool reorderPublishes = false;   // every second HTTP publish takes 1ms longer to arrive

  /// Switches on the bug called `name`; false if there is none.
  bool enable(std::string_view name);
  static const std::set<std::string>& names();
};

/// What every scripted client shares: time, the executor, the network its bytes travel
/// on, the observer it reports to, its random numbers and its bugs. Owned by the
/// transport; outlives its clients.
struct ClientWorld {
  core::Clock& clock;
  // The simulator's ManualExecutor, which refuses nothing unless told to. Clients post
  // without checking each answer ((void) at the call); a refusal would be a lost event, and
  // the checker's no-refused-task invariant fails the run on any.
  core::Executor& executor;
  websocket::MemoryNetwork& network;
  SimObserver* observer = nullptr;
  SplitMix random{1};
  BugSwitches bugs;
  // The message whose bytes a client last found valid UTF-8: a fan-out hands one message
  // to every subscriber in turn, so each is checked once. Held, so its address is not
  // reused by another message while it is remembered.
  core::MessagePtr lastUtf8Checked;
};

}  // namespace spread::plugins::sim
