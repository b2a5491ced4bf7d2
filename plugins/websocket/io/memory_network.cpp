#include "io/memory_network.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

namespace spread::plugins::websocket {

int MemoryNetwork::connect(LinkOptions link) {
  const int handle = nextHandle_++;
  links_.push_back(std::make_unique<Link>());
  links_.back()->options = link;
  ++linksOpen_;
  after(link.latency, [this, handle] {
    const Link* link = find(handle);
    if (link != nullptr && accept_) accept_(handle, link->options.peerAddress);
  });
  return handle;
}

MemoryNetwork::Link* MemoryNetwork::find(int handle) {
  const auto index = static_cast<std::size_t>(handle - 1);
  return handle > 0 && index < links_.size() ? links_[index].get() : nullptr;
}

const MemoryNetwork::Link* MemoryNetwork::find(int handle) const {
  const auto index = static_cast<std::size_t>(handle - 1);
  return handle > 0 && index < links_.size() ? links_[index].get() : nullptr;
}

void MemoryNetwork::after(core::Duration delay, core::Task task) {
  // The simulator's executor refuses nothing while it runs, and its checker fails a run on
  // any refusal; a test's ManualExecutor is the same. A refused delivery is lost either way.
  if (delay <= core::Duration::zero()) {
    (void)executor_.post(std::move(task));
  } else {
    (void)executor_.postAfter(delay, std::move(task));
  }
}

void MemoryNetwork::notify(Link& link) {
  if (link.ready) link.ready();
}

void MemoryNetwork::watch(int handle, std::function<void()> ready) {
  if (Link* link = find(handle)) link->ready = std::move(ready);
}

bool MemoryNetwork::readable(int handle) const {
  const Link* link = find(handle);
  return link == nullptr || link->reset || !link->serverInbox.empty() || link->clientEndArrived;
}

bool MemoryNetwork::writable(int handle) const {
  const Link* link = find(handle);
  if (link == nullptr || link->reset || link->serverClosed) return true;  // a write fails at once
  return windowsIgnored_ || link->towardClient + link->clientUnread() < link->options.clientReceiveBytes;
}

core::Duration MemoryNetwork::towardClientDelay(Link& link) {
  core::Duration delay = link.options.latency;
  if (link.options.jitter > core::Duration::zero()) {
    // SplitMix64: small, and the same seed draws the same delays on every platform.
    std::uint64_t z = (jitterState_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    delay += core::Duration(static_cast<core::Duration::rep>(
        z % (static_cast<std::uint64_t>(link.options.jitter.count()) + 1)));
  }
  const core::TimePoint now = clock_.now();
  link.lastArrival = std::max(link.lastArrival, now + delay);
  return link.lastArrival - now;
}

IoResult MemoryNetwork::read(int handle, std::span<char> into) {
  Link* link = find(handle);
  if (link == nullptr || link->reset || link->serverClosed) return {IoResult::Status::kFailed, 0};
  if (link->serverInbox.empty()) {
    return {link->clientEndArrived ? IoResult::Status::kEnded : IoResult::Status::kWouldBlock, 0};
  }
  const std::size_t bytes = std::min(into.size(), link->serverInbox.size());
  std::memcpy(into.data(), link->serverInbox.data(), bytes);
  link->serverInbox.erase(0, bytes);
  pumpTowardServer(handle, *link);
  return {IoResult::Status::kDone, bytes};
}

IoResult MemoryNetwork::write(int handle, std::span<const iovec> parts) {
  Link* link = find(handle);
  if (link == nullptr || link->reset || link->serverClosed || link->serverEndSent) {
    return {IoResult::Status::kFailed, 0};
  }
  const std::size_t held = link->towardClient + link->clientUnread();
  std::size_t room = held < link->options.clientReceiveBytes ? link->options.clientReceiveBytes - held : 0;
  if (windowsIgnored_) room = SIZE_MAX;
  if (room == 0) {
    link->serverBlocked = true;
    return {IoResult::Status::kWouldBlock, 0};
  }
  std::string bytes;
  for (const iovec& part : parts) {
    const std::size_t take = std::min(room, part.iov_len);
    bytes.append(static_cast<const char*>(part.iov_base), take);
    room -= take;
    if (room == 0) break;
  }
  link->towardClient += bytes.size();
  const std::size_t written = bytes.size();
  if (writtenTo_.empty() || writtenTo_.back() != handle) writtenTo_.push_back(handle);
  sendTowardClient(handle, *link, std::move(bytes), false);
  return {IoResult::Status::kDone, written};
}

void MemoryNetwork::shutdownWrite(int handle) {
  Link* link = find(handle);
  if (link == nullptr || link->serverEndSent) return;
  link->serverEndSent = true;
  sendTowardClient(handle, *link, {}, true);
}

void MemoryNetwork::close(int handle) {
  Link* link = find(handle);
  if (link == nullptr || link->serverClosed) return;
  link->serverClosed = true;
  link->ready = nullptr;
  // What the client sends from now on is lost, as a closed socket's would be.
  link->clientPending.clear();
  link->serverInbox.clear();
  if (!link->serverEndSent) {
    link->serverEndSent = true;
    sendTowardClient(handle, *link, {}, true);
  }
  forgetIfDone(handle, *link);
}

void MemoryNetwork::clientSend(int handle, std::string bytes) {
  Link* link = find(handle);
  if (link == nullptr || link->serverClosed || link->clientEndPending || link->reset) return;
  link->clientPending += bytes;
  pumpTowardServer(handle, *link);
}

void MemoryNetwork::clientShutdownWrite(int handle) {
  Link* link = find(handle);
  if (link == nullptr || link->clientEndPending) return;
  link->clientEndPending = true;
  pumpTowardServer(handle, *link);
}

void MemoryNetwork::clientReset(int handle) {
  Link* link = find(handle);
  if (link == nullptr || link->reset) return;
  link->reset = true;
  link->clientPending.clear();
  after(link->options.latency, [this, handle] {
    if (Link* reached = find(handle)) notify(*reached);
  });
}

void MemoryNetwork::pumpTowardServer(int handle, Link& link) {
  const std::size_t held = link.towardServer + link.serverInbox.size();
  const std::size_t room = held < link.options.serverReceiveBytes ? link.options.serverReceiveBytes - held : 0;
  std::string bytes = link.clientPending.substr(0, room);
  link.clientPending.erase(0, bytes.size());
  const bool end = link.clientEndPending && link.clientPending.empty();
  if (bytes.empty() && !end) return;
  if (end) link.clientEndPending = false;  // on the wire now
  link.towardServer += bytes.size();
  after(link.options.latency, [this, handle, bytes = std::move(bytes), end]() mutable {
    deliverToServer(handle, std::move(bytes), end);
  });
}

void MemoryNetwork::deliverToServer(int handle, std::string bytes, bool end) {
  Link* link = find(handle);
  if (link == nullptr) return;
  link->towardServer -= bytes.size();
  if (link->serverClosed || link->reset) return;
  link->serverInbox += bytes;
  if (end) link->clientEndArrived = true;
  notify(*link);
}

void MemoryNetwork::sendTowardClient(int handle, Link& link, std::string bytes, bool end) {
  // The bytes wait on the link, not in the task: a task holding only two words is no
  // allocation, and they arrive in order, as the arrival times never decrease.
  link.inFlight.push_back(InFlight{std::move(bytes), end});
  after(towardClientDelay(link), [this, handle] { deliverToClient(handle); });
}

void MemoryNetwork::deliverToClient(int handle) {
  Link* link = find(handle);
  if (link == nullptr) return;
  std::string bytes = std::move(link->inFlight.front().bytes);
  const bool end = link->inFlight.front().end;
  link->inFlight.pop_front();
  link->towardClient -= bytes.size();
  if (link->reset) return;
  if (link->clientUnread() == 0) {
    link->clientInbox = std::move(bytes);  // the usual case, a reader that keeps up: no copy
    link->clientTaken = 0;
  } else {
    link->clientInbox += bytes;
  }
  if (end) link->serverEndArrived = true;
  // Copied first: the client may release the link, and so this function, as it reads.
  if (link->clientArrived) {
    std::function<void()> arrived = link->clientArrived;
    arrived();
  }
}

std::string MemoryNetwork::clientTake(int handle) {
  Link* link = find(handle);
  if (link == nullptr) return {};
  std::string taken = std::exchange(link->clientInbox, {}).substr(std::exchange(link->clientTaken, 0));
  if (link->serverBlocked && !taken.empty()) {
    link->serverBlocked = false;
    notify(*link);
  }
  if (link->serverClosed && link->serverEndArrived) forget(handle);  // both sides are done
  return taken;
}

void MemoryNetwork::clientWatch(int handle, std::function<void()> arrived) {
  if (Link* link = find(handle)) link->clientArrived = std::move(arrived);
}

std::string_view MemoryNetwork::clientPeek(int handle) const {
  const Link* link = find(handle);
  return link == nullptr ? std::string_view() : std::string_view(link->clientInbox).substr(link->clientTaken);
}

void MemoryNetwork::clientConsume(int handle, std::size_t bytes) {
  Link* link = find(handle);
  if (link == nullptr || bytes == 0) return;
  link->clientTaken += bytes;
  // Dropping the taken front costs a copy of what is left: done once it is all taken, or
  // once the taken part is the larger, so a reader taking frame by frame copies little.
  if (link->clientTaken == link->clientInbox.size()) {
    link->clientInbox.clear();
    link->clientTaken = 0;
  } else if (link->clientTaken > link->clientUnread()) {
    link->clientInbox.erase(0, link->clientTaken);
    link->clientTaken = 0;
  }
  if (link->serverBlocked) {
    link->serverBlocked = false;
    notify(*link);
  }
}

void MemoryNetwork::clientRelease(int handle) {
  Link* link = find(handle);
  if (link == nullptr) return;
  link->clientReleased = true;
  link->clientArrived = nullptr;
  forgetIfDone(handle, *link);
}

void MemoryNetwork::forgetIfDone(int handle, const Link& link) {
  // Bytes still on their way in either direction find no link, and are dropped as a closed
  // socket's would be.
  if (link.clientReleased && link.serverClosed) forget(handle);
}

void MemoryNetwork::forget(int handle) {
  std::unique_ptr<Link>& link = links_[static_cast<std::size_t>(handle - 1)];
  if (link == nullptr) return;
  link.reset();
  --linksOpen_;
}

std::size_t MemoryNetwork::clientHeldBytes(int handle) const {
  const Link* link = find(handle);
  return link == nullptr ? 0 : link->towardClient + link->clientUnread();
}

void MemoryNetwork::takeWrittenTo(std::vector<int>& out) {
  out.clear();
  out.swap(writtenTo_);
}

bool MemoryNetwork::clientSawEnd(int handle) const {
  const Link* link = find(handle);
  return link == nullptr || link->serverEndArrived;
}

bool MemoryNetwork::serverClosed(int handle) const {
  const Link* link = find(handle);
  return link == nullptr || link->serverClosed;
}

}  // namespace spread::plugins::websocket
