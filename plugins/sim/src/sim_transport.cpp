#include "sim_transport.h"

#include <Poco/Exception.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <variant>

namespace spread::plugins::sim {

using transport::StopOutcome;

namespace {
constexpr const char* kCloseTimeoutKey = "closeTimeoutMs";
constexpr int kCloseTimeoutMsDefault = 2000;

// The transport's keys, read once for checkConfig and start alike: the close timeout, or
// a sentence naming the bad key.
std::variant<std::chrono::milliseconds, std::string> readCloseTimeout(const Poco::Util::AbstractConfiguration& config) {
  int closeTimeoutMs = kCloseTimeoutMsDefault;
  try {
    Poco::Util::AbstractConfiguration::Keys keys;
    config.keys(keys);
    for (const std::string& key : keys) {
      if (key != kCloseTimeoutKey) return "unknown key '" + key + "' for transport sim";
    }
    closeTimeoutMs = config.getInt(kCloseTimeoutKey, kCloseTimeoutMsDefault);
  } catch (const Poco::Exception& error) {
    return std::string(kCloseTimeoutKey) + ": " + error.displayText();
  }
  if (closeTimeoutMs < 0) return std::string(kCloseTimeoutKey) + ": must not be negative";
  return std::chrono::milliseconds(closeTimeoutMs);
}

}  // namespace

SimTransport::~SimTransport() {
  if (context_ != nullptr) {
    context_->executor.cancel(stopTimer_);
    context_->executor.cancel(streamsTimer_);
  }
  // Sessions first: each refers to its entry's context, and says goodbye to the broker.
  for (auto& [id, entry] : entries_) entry.session.reset();
}

std::optional<std::string> SimTransport::checkConfig(const Poco::Util::AbstractConfiguration& config,
                                                     const transport::SessionOptions& /*session*/) const {
  auto closeTimeout = readCloseTimeout(config);
  if (auto* error = std::get_if<std::string>(&closeTimeout)) return *error;
  return std::nullopt;
}

transport::StartResult SimTransport::start(transport::TransportContext& context) {
  auto closeTimeout = readCloseTimeout(context.config);
  if (auto* error = std::get_if<std::string>(&closeTimeout)) return transport::StartResult::failure(*error);
  context_ = &context;
  network_.emplace(SimNetwork{context.clock, context.executor, context.metrics,
                              context.session.sendWindowBytes, context.session.messageBytesMax,
                              std::get<std::chrono::milliseconds>(closeTimeout), observer_, SplitMix(seed_), bugs_, {}});
  // The stack's keys as the daemon would set them: its defaults, with this run's close
  // timeout (at least the 1 ms the daemon accepts; scripted connections may have 0), and
  // room for every simulated client (they all come from one address).
  streamConfig_->setInt(
      "closeTimeoutMs",
      std::max(1, static_cast<int>(std::get<std::chrono::milliseconds>(closeTimeout).count())));
  streamConfig_->setString("connectionsPerAddressMax", "1000000");
  streamContext_ = std::make_unique<transport::TransportContext>(
      transport::TransportContext{context.broker, context.clock, context.executor, context.metrics, context.publisher,
                                  context.session, *streamConfig_, context.logger});
  streamNetwork_ = std::make_unique<websocket::MemoryNetwork>(context.executor);
  try {
    streamServer_ = std::make_unique<websocket::MemoryServer>(*streamContext_, *streamNetwork_);
  } catch (const std::invalid_argument& error) {
    return transport::StartResult::failure(std::string("the byte-level clients' server: ") + error.what());
  }
  return transport::StartResult::success();
}

void SimTransport::setObserver(SimObserver* observer) {
  observer_ = observer;
  if (network_) network_->observer = observer;
}

void SimTransport::setSeed(std::uint64_t seed) {
  seed_ = seed;
  if (network_) network_->random = SplitMix(seed);
}

bool SimTransport::injectBug(std::string_view name) {
  if (!bugs_.enable(name)) return false;
  if (network_) network_->bugs = bugs_;
  return true;
}

ConnectionId SimTransport::connect(ConnectRequest request) {
  const ConnectionId id = nextId_++;
  Entry& entry = entries_[id];
  entry.connection = std::make_shared<SimConnection>(id, request.link, *network_,
                                                     [this](ConnectionId done) { serverDone(done); });
  entry.topic = std::move(request.topic);
  entry.queueMessagesMax = request.queueMessagesMax;
  (void)context_->executor.postAfter(request.link.latency, [weak = std::weak_ptr(self_), id] {
    if (auto self = weak.lock()) (*self)->open(id);
  });
  return id;
}

void SimTransport::open(ConnectionId id) {
  Entry& entry = entries_.at(id);
  if (entry.connection->serverDone()) return;
  if (draining_ || stopping_) {
    if (observer_ != nullptr) observer_->onRefused(id, 503);
    context_->metrics.rejected(transport::Rejection::kDraining);
    entry.connection->refuse(503);
    return;
  }
  transport::SessionOptions options = context_->session;
  std::size_t queueMax = entry.queueMessagesMax;
  if (bugs_.queueOffByOne) queueMax += 1;
  if (bugs_.earlyDrop && queueMax > 1) queueMax -= 1;
  options.queue.messagesMax = queueMax;
  // The transport's own context, but for this connection's queue size.
  entry.context = std::make_unique<transport::TransportContext>(*context_);
  entry.context->session = options;
  entry.session = transport::Session::create(*entry.context, entry.connection, entry.topic);
  entry.connection->attach(entry.session);
  ++serverOpen_;
  context_->metrics.connectionOpened();
  if (observer_ != nullptr) observer_->onOpened(id);
  entry.session->start();
  if (observer_ != nullptr) observer_->onStarted(id);
}

std::size_t SimTransport::streamsOpen() const {
  return streamServer_ ? streamServer_->stack().connectionsOpen().count() : 0;
}

void SimTransport::watchStreamsClose() {
  streamsTimer_ = context_->executor.postAfter(std::chrono::milliseconds(1), [weak = std::weak_ptr(self_)] {
    auto self = weak.lock();
    if (!self) return;
    SimTransport& transport = **self;
    transport.streamsTimer_ = core::TimerId::kNone;
    if (!transport.stopDone_ || transport.forcing_) return;
    if (transport.streamsOpen() > 0) return transport.watchStreamsClose();
    if (transport.serverOpen_ == 0) {
      transport.context_->executor.cancel(transport.stopTimer_);
      transport.finishStop(StopOutcome::kCompleted);
    }
  });
}

void SimTransport::serverDone(ConnectionId id) {
  // Only connections whose upgrade reached the server were counted as open.
  if (!entries_.at(id).session) return;
  --serverOpen_;
  context_->metrics.connectionClosed();
  if (stopping_ && !forcing_ && serverOpen_ == 0 && streamsOpen() == 0) {
    context_->executor.cancel(stopTimer_);
    finishStop(StopOutcome::kCompleted);
  }
}

void SimTransport::stop(core::Duration deadline, transport::StopCallback done) {
  if (stopping_ || context_ == nullptr) {
    done(StopOutcome::kCompleted);
    return;
  }
  stopping_ = true;
  draining_ = true;
  streamServer_->beginDrain();
  stopDone_ = std::move(done);
  if (serverOpen_ == 0 && streamsOpen() == 0) {
    finishStop(StopOutcome::kCompleted);
    return;
  }
  if (streamsOpen() > 0) watchStreamsClose();
  if (bugs_.slowStop) deadline += std::chrono::seconds(1);
  stopTimer_ = context_->executor.postAfter(deadline, [weak = std::weak_ptr(self_)] {
    if (auto self = weak.lock()) (*self)->forceStop();
  });
}

void SimTransport::forceStop() {
  stopTimer_ = core::TimerId::kNone;
  forcing_ = true;
  for (auto& [id, entry] : entries_) {
    // An upgrade still on its way is refused when it arrives: the transport is stopping.
    if (!entry.session || entry.connection->serverDone()) continue;
    if (entry.session)
      entry.session->closeWith(transport::CloseCode::kGoingAway, transport::kReasonShuttingDown);
    entry.connection->abort();
  }
  forcing_ = false;
  finishStop(StopOutcome::kDeadlineExceeded);
}

void SimTransport::finishStop(StopOutcome outcome) {
  if (!stopDone_) return;
  // As the epoll transport's loops do when they stop: whatever the byte-level clients
  // still hold (kept-alive HTTP connections, WebSockets past the deadline) is closed.
  context_->executor.cancel(streamsTimer_);
  streamsTimer_ = core::TimerId::kNone;
  streamServer_->closeAll();
  transport::StopCallback done = std::move(stopDone_);
  stopDone_ = nullptr;
  done(outcome);
}

transport::TransportStats SimTransport::stats() const {
  transport::TransportStats stats;
  stats.connectionsOpen = serverOpen_ + streamsOpen();
  for (const auto& [id, entry] : entries_) {
    if (entry.session && entry.session->state() == transport::Session::State::kOpen) ++stats.sessionsOpen;
  }
  return stats;
}

SimConnection* SimTransport::find(ConnectionId id) const {
  auto found = entries_.find(id);
  return found == entries_.end() ? nullptr : found->second.connection.get();
}

void SimTransport::sendText(ConnectionId id, std::string text) {
  if (SimConnection* connection = find(id)) connection->clientSendText(std::move(text));
}

std::uint64_t SimTransport::post(std::string topic, std::string body, core::Duration latency) {
  const std::uint64_t requestId = nextRequestId_++;
  if (bugs_.reorderPublishes && requestId % 2 == 1) latency += std::chrono::milliseconds(1);
  (void)context_->executor.postAfter(latency, [weak = std::weak_ptr(self_), requestId, topic = std::move(topic),
                                         body = std::move(body)] {
    auto self = weak.lock();
    if (!self) return;
    SimTransport& transport = **self;
    transport.context_->publisher.publish(topic, body, [weak, requestId](transport::PublishResult result) {
      if (auto alive = weak.lock(); alive && (*alive)->observer_ != nullptr) {
        (*alive)->observer_->onPublishAnswered(requestId, result);
      }
    });
  });
  return requestId;
}

void SimTransport::setReading(ConnectionId id, bool reading) {
  if (SimConnection* connection = find(id)) connection->setReading(reading);
}

void SimTransport::setReadInterval(ConnectionId id, core::Duration interval) {
  if (SimConnection* connection = find(id)) connection->setReadInterval(interval);
}

void SimTransport::leave(ConnectionId id) {
  if (SimConnection* connection = find(id)) connection->leave();
}

void SimTransport::cut(ConnectionId id) {
  if (SimConnection* connection = find(id)) connection->cut();
}

void SimTransport::takeGrownLinks(std::vector<ConnectionId>& out) {
  out.clear();
  if (network_) out.swap(network_->linksGrown);
}

LinkState SimTransport::linkState(ConnectionId id) const {
  const SimConnection* connection = find(id);
  return connection == nullptr ? LinkState{} : connection->state();
}

int SimTransport::openStream(const LinkOptions& link) {
  websocket::MemoryNetwork::LinkOptions options;
  options.latency = link.latency;
  options.clientReceiveBytes = link.windowBytes;
  return streamNetwork_->connect(options);
}

void SimTransport::streamSend(int stream, std::string bytes) { streamNetwork_->clientSend(stream, std::move(bytes)); }

std::string SimTransport::streamTake(int stream) { return streamNetwork_->clientTake(stream); }

bool SimTransport::streamEnded(int stream) const { return streamNetwork_->clientSawEnd(stream); }

}  // namespace spread::plugins::sim
