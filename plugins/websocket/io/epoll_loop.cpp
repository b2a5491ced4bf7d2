#include "io/epoll_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "io/socket_network.h"

namespace spread::plugins::websocket {

namespace {
constexpr std::size_t kReadBytesMax = 64 * 1024;  // per read: bounds one client's turn
constexpr int kEventsPerWaitMax = 256;
constexpr std::size_t kWritesPerPollMax = 64;
}  // namespace

EpollLoop::EpollLoop(core::Clock& clock) : clock_(clock), scratch_(kReadBytesMax) {
  epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epollFd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    const int error = errno;
    ::close(epollFd_);
    throw std::system_error(error, std::generic_category(), "eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wakeFd_;
  ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &event);
}

EpollLoop::~EpollLoop() {
  stop();
  ::close(wakeFd_);
  ::close(epollFd_);
}

void EpollLoop::start() { thread_ = std::thread([this] { run(); }); }

Network& EpollLoop::network() { return SocketNetwork::instance(); }

void EpollLoop::adopt(std::shared_ptr<LoopConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    if (!stopped_) {
      adopting_.push_back(std::move(connection));
      connection = nullptr;
    }
  }
  if (connection) {
    connection->closeSocket();  // too late: the loop has stopped
    return;
  }
  wake();
}

void EpollLoop::requestWrite(std::shared_ptr<LoopConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    writing_.push_back(std::move(connection));
  }
  wake();
}

void EpollLoop::closeAll() {
  {
    std::lock_guard lock(mutex_);
    closeAllRequested_ = true;
  }
  wake();
}

void EpollLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake();
  if (thread_.joinable()) thread_.join();
  // Without a running thread (never started, or just finished) the rest is closed here.
  std::vector<std::shared_ptr<LoopConnection>> adopting;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    adopting.swap(adopting_);
    writing_.clear();
  }
  for (const auto& connection : adopting) connection->closeSocket();
}

template <class Handler>
void EpollLoop::guarded(LoopConnection& connection, Handler&& handler) {
  try {
    handler();
  } catch (...) {
    // Out of memory, most likely. Only this client is cut off; the loop carries on.
    connection.abort();
  }
}

void EpollLoop::wake() {
  {
    std::lock_guard lock(mutex_);
    if (wakePending_) return;
    wakePending_ = true;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(wakeFd_, &one, sizeof one);
}

void EpollLoop::run() {
  for (;;) {
    if (!poll(pollTimeoutMs(), true)) break;
    if (!takeRequests()) break;
    expireDeadlines();
  }
  closeEverything();
}

bool EpollLoop::poll(int timeoutMs, bool takeWake) {
  std::array<epoll_event, kEventsPerWaitMax> events{};
  const int ready = ::epoll_wait(epollFd_, events.data(), kEventsPerWaitMax, timeoutMs);
  if (ready < 0 && errno != EINTR) return false;
  for (int i = 0; i < ready; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wakeFd_) {
      // In the middle of a pass the wake-up stays signalled, so the requests it announces
      // are taken as soon as the pass is over.
      if (!takeWake) continue;
      std::uint64_t count = 0;
      [[maybe_unused]] const ssize_t drained = ::read(wakeFd_, &count, sizeof count);
      continue;
    }
    auto found = connections_.find(fd);
    if (found == connections_.end()) continue;
    const std::shared_ptr<LoopConnection> connection = found->second.connection;
    const std::uint32_t flags = events[i].events;
    guarded(*connection, [&] {
      if ((flags & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) connection->onReadable(scratch_);
      if ((flags & EPOLLOUT) != 0) connection->onWritable();
    });
    update(fd);
  }
  return true;
}

bool EpollLoop::takeRequests() {
  std::vector<std::shared_ptr<LoopConnection>> adopting;
  std::vector<std::shared_ptr<LoopConnection>> writing;
  bool closeAll = false;
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    adopting.swap(adopting_);
    writing.swap(writing_);
    closeAll = std::exchange(closeAllRequested_, false);
    stopping = stopping_;
    wakePending_ = false;
  }
  for (auto& connection : adopting) add(std::move(connection));
  std::size_t written = 0;
  for (const auto& connection : writing) {
    // A long pass of writes (a fan-out to many sockets) stops now and then to serve what
    // is ready, so a publisher on this loop is answered without waiting for the whole pass;
    // its messages then join the next pass, which writes more frames per socket.
    if (++written % kWritesPerPollMax == 0 && !poll(0, false)) return false;
    auto found = connections_.find(connection->handle());
    // A request can outlive its connection; the descriptor may name a newer one by now.
    if (found == connections_.end() || found->second.connection != connection) continue;
    guarded(*connection, [&] { connection->onWritable(); });
    update(connection->handle());
  }
  if (closeAll) closeEverything();
  return !stopping;
}

void EpollLoop::add(std::shared_ptr<LoopConnection> connection) {
  const int fd = connection->handle();
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    connection->closeSocket();
    return;
  }
  connections_[fd] = Entry{connection, EPOLLIN, std::nullopt};
  size_.store(connections_.size());
  // Writes requested before the adoption were dropped; flush whatever is queued now.
  guarded(*connection, [&] {
    connection->onAdopted();
    connection->onWritable();
  });
  update(fd);
}

void EpollLoop::update(int fd) {
  auto found = connections_.find(fd);
  if (found == connections_.end()) return;
  Entry& entry = found->second;
  LoopConnection& connection = *entry.connection;
  if (connection.finished()) {
    const std::shared_ptr<LoopConnection> finished = remove(fd);
    if (!finished->handedOff()) finished->closeSocket();
    return;
  }
  const std::uint32_t wanted = (connection.wantsRead() ? EPOLLIN : 0u) | (connection.wantsWrite() ? EPOLLOUT : 0u);
  if (wanted != entry.events) {
    epoll_event event{};
    event.events = wanted;
    event.data.fd = fd;
    ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, fd, &event);
    entry.events = wanted;
  }
  const std::optional<core::TimePoint> deadline = connection.deadline();
  if (deadline && deadline != entry.deadline) {
    // One entry per connection: the set stays as large as the number of sockets, however
    // often deadlines move, and a connection that leaves takes its entry along.
    if (entry.deadline) deadlines_.erase({*entry.deadline, fd});
    deadlines_.emplace(*deadline, fd);
    entry.deadline = deadline;
  }
}

std::shared_ptr<LoopConnection> EpollLoop::remove(int fd) {
  auto found = connections_.find(fd);
  ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
  if (found->second.deadline) deadlines_.erase({*found->second.deadline, fd});
  std::shared_ptr<LoopConnection> connection = std::move(found->second.connection);
  connections_.erase(found);
  size_.store(connections_.size());
  return connection;
}

void EpollLoop::closeEverything() {
  for (auto& [fd, entry] : connections_) {
    ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    entry.connection->closeSocket();
  }
  connections_.clear();
  deadlines_.clear();
  size_.store(0);
}

void EpollLoop::expireDeadlines() {
  if (deadlines_.empty()) return;
  const core::TimePoint now = clock_.now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const auto [deadline, fd] = *deadlines_.begin();
    deadlines_.erase(deadlines_.begin());
    auto found = connections_.find(fd);
    if (found == connections_.end() || found->second.deadline != deadline) continue;
    LoopConnection& connection = *found->second.connection;
    guarded(connection, [&] { connection.onDeadline(now); });
    update(fd);
  }
}

int EpollLoop::pollTimeoutMs() const {
  if (deadlines_.empty()) return -1;
  const core::Duration left = deadlines_.begin()->first - clock_.now();
  if (left <= core::Duration::zero()) return 0;
  // Round up, so the loop never wakes just before a deadline and spins.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

}  // namespace spread::plugins::websocket
