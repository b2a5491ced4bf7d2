#include "sim_transport.h"

#include <Poco/Exception.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>
#include <variant>

namespace spread::plugins::sim {

using transport::StopOutcome;

namespace {
constexpr const char* kCloseTimeoutKey = "closeTimeoutMs";
constexpr int kCloseTimeoutMsDefault = 2000;
// How often a stop looks whether the last WebSocket has closed.
constexpr core::Duration kStopPollInterval = std::chrono::milliseconds(1);

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
  if (context_ != nullptr) context_->executor.cancel(stopTimer_);
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
  // The stack's keys as the daemon would set them: its defaults, with this run's close
  // timeout (at least the 1 ms the daemon accepts), and room for every simulated client
  // (a burst's POSTs are each a connection) and their publishes, all from one address.
  serverConfig_->setInt(
      "closeTimeoutMs",
      std::max(1, static_cast<int>(std::get<std::chrono::milliseconds>(closeTimeout).count())));
  serverConfig_->setString("connectionsPerAddressMax", "1000000");
  serverConfig_->setString("addressPublishesPerSecond", "0");
  serverConfig_->setString("connectionsMax", "10000000");
  serverContext_ = std::make_unique<transport::TransportContext>(
      transport::TransportContext{context.broker, context.clock, context.executor, context.metrics, context.publisher,
                                  context.session, *serverConfig_, context.logger, context.faults, context.auth});
  network_ = std::make_unique<websocket::MemoryNetwork>(context.clock, context.executor);
  network_->seedJitter(seed_);
  if (bugs_.windowIgnored) network_->ignoreReceiveWindows();
  world_.emplace(ClientWorld{context.clock, context.executor, *network_, observer_, SplitMix(seed_), bugs_, nullptr});
  try {
    server_ = std::make_unique<websocket::MemoryServer>(*serverContext_, *network_);
  } catch (const std::invalid_argument& error) {
    return transport::StartResult::failure(std::string("the simulated clients' server: ") + error.what());
  }
  server_->stack().setObserver(this);
  return transport::StartResult::success();
}

void SimTransport::setObserver(SimObserver* observer) {
  observer_ = observer;
  if (world_) world_->observer = observer;
}

void SimTransport::setSeed(std::uint64_t seed) {
  seed_ = seed;
  if (world_) world_->random = SplitMix(seed);
  if (network_) network_->seedJitter(seed);
}

bool SimTransport::injectBug(std::string_view name) {
  if (!bugs_.enable(name)) return false;
  if (world_) world_->bugs = bugs_;
  if (network_ && bugs_.windowIgnored) network_->ignoreReceiveWindows();
  return true;
}

websocket::MemoryNetwork::LinkOptions SimTransport::linkFor(const LinkOptions& link) const {
  websocket::MemoryNetwork::LinkOptions options;
  options.latency = link.latency;
  options.jitter = link.jitter;
  options.clientReceiveBytes = link.windowBytes;
  return options;
}

ConnectionId SimTransport::connect(ConnectRequest request) {
  const ConnectionId id = nextId_++;
  const int handle = network_->connect(linkFor(request.link));
  Scripted& entry = scripted_.emplace_back();
  entry.client = std::make_shared<ScriptedWebSocket>(id, handle, request.link, *world_);
  entry.queueMessagesMax = request.queueMessagesMax;
  if (idByHandle_.size() <= static_cast<std::size_t>(handle)) idByHandle_.resize(static_cast<std::size_t>(handle) + 1);
  idByHandle_[static_cast<std::size_t>(handle)] = id;
  entry.client->open(request.topic, request.token, request.query);
  return id;
}

ScriptedWebSocket* SimTransport::find(ConnectionId id) const {
  return id >= 1 && id <= scripted_.size() ? scripted_[id - 1].client.get() : nullptr;
}

ConnectionId SimTransport::idAt(int handle) const {
  const auto index = static_cast<std::size_t>(handle);
  return handle >= 0 && index < idByHandle_.size() ? idByHandle_[index] : 0;
}

transport::TransportContext& SimTransport::sessionContext(int handle, transport::TransportContext& shared) {
  const ConnectionId id = idAt(handle);
  if (id == 0) return shared;
  Scripted* entry = &scripted_[id - 1];
  std::size_t queueMax = entry->queueMessagesMax;
  if (bugs_.queueOffByOne) queueMax += 1;
  if (bugs_.earlyDrop && queueMax > 1) queueMax -= 1;
  entry->sessionContext = std::make_unique<transport::TransportContext>(shared);
  entry->sessionContext->session.queue.messagesMax = queueMax;
  return *entry->sessionContext;
}

void SimTransport::onSessionStarting(int handle) {
  if (observer_ != nullptr) observer_->onOpened(idAt(handle));
}

void SimTransport::onSessionStarted(int handle) {
  const ConnectionId id = idAt(handle);
  if (observer_ != nullptr && id != 0) observer_->onStarted(id);
}

void SimTransport::onSent(int handle, const core::MessagePtr& message) {
  const ConnectionId id = idAt(handle);
  if (id == 0) return;
  if (observer_ != nullptr) observer_->onSent(id, message);
  scripted_[id - 1].client->serverSent(message);
}

void SimTransport::onTextSent(int handle, std::string_view text) {
  if (const ConnectionId id = idAt(handle); id != 0) scripted_[id - 1].client->serverSentText(text);
}

void SimTransport::onCloseRequested(int handle, transport::CloseCode code, std::string_view reason) {
  const ConnectionId id = idAt(handle);
  if (id == 0) return;
  if (observer_ != nullptr) observer_->onCloseRequested(id, code, reason);
  scripted_[id - 1].client->serverCloseRequested(code, reason);
}

void SimTransport::sendText(ConnectionId id, std::string text) {
  if (ScriptedWebSocket* client = find(id)) client->sendText(text);
}

std::uint64_t SimTransport::post(std::string topic, std::string body, core::Duration latency, std::string token) {
  const std::uint64_t requestId = nextRequestId_++;
  if (bugs_.reorderPublishes && requestId % 2 == 1) latency += std::chrono::milliseconds(1);
  websocket::MemoryNetwork::LinkOptions link;
  link.latency = latency;
  auto publish = std::make_shared<ScriptedPublish>(requestId, network_->connect(link), *world_,
                                                   [this](std::uint64_t done) { publishes_.erase(done); });
  publish->send(topic, body, token);
  publishes_.emplace(requestId, std::move(publish));
  return requestId;
}

void SimTransport::setReading(ConnectionId id, bool reading) {
  if (ScriptedWebSocket* client = find(id)) client->setReading(reading);
}

void SimTransport::setReadInterval(ConnectionId id, core::Duration interval) {
  if (ScriptedWebSocket* client = find(id)) client->setReadInterval(interval);
}

void SimTransport::leave(ConnectionId id) {
  if (ScriptedWebSocket* client = find(id)) client->leave();
}

void SimTransport::cut(ConnectionId id) {
  if (ScriptedWebSocket* client = find(id)) client->cut();
}

int SimTransport::openStream(const LinkOptions& link) { return network_->connect(linkFor(link)); }

void SimTransport::streamSend(int stream, std::string bytes) { network_->clientSend(stream, std::move(bytes)); }

std::string SimTransport::streamTake(int stream) { return network_->clientTake(stream); }

bool SimTransport::streamEnded(int stream) const { return network_->clientSawEnd(stream); }

LinkState SimTransport::linkState(ConnectionId id) const {
  const ScriptedWebSocket* client = find(id);
  return client == nullptr ? LinkState{} : client->state();
}

void SimTransport::takeGrownLinks(std::vector<ConnectionId>& out) {
  out.clear();
  if (!network_) return;
  network_->takeWrittenTo(writtenTo_);
  for (int handle : writtenTo_) {
    if (const ConnectionId id = idAt(handle); id != 0) out.push_back(id);
  }
}

void SimTransport::stop(core::Duration deadline, transport::StopCallback done) {
  if (stopDone_ || context_ == nullptr) {
    done(StopOutcome::kCompleted);
    return;
  }
  server_->beginDrain();
  stopDone_ = std::move(done);
  if (bugs_.slowStop) deadline += std::chrono::seconds(1);
  stopDeadline_ = context_->clock.now() + deadline;
  watchStop();
}

void SimTransport::watchStop() {
  if (server_->stack().connectionsOpen().count() == 0) return finishStop(StopOutcome::kCompleted);
  const core::TimePoint now = context_->clock.now();
  if (now >= stopDeadline_) {
    // As the epoll transport does at its deadline: whatever is still open is closed.
    server_->closeAll();
    return finishStop(StopOutcome::kDeadlineExceeded);
  }
  stopTimer_ = context_->executor.postAfter(std::min(kStopPollInterval, stopDeadline_ - now),
                                            [weak = std::weak_ptr(self_)] {
                                              if (auto self = weak.lock()) {
                                                (*self)->stopTimer_ = core::TimerId::kNone;
                                                (*self)->watchStop();
                                              }
                                            });
}

void SimTransport::finishStop(StopOutcome outcome) {
  // As the epoll transport's loops do when they stop: what is left (kept-alive HTTP
  // connections) is closed.
  server_->closeAll();
  transport::StopCallback done = std::move(stopDone_);
  stopDone_ = [](StopOutcome) {};  // stopped: a second stop() completes at once
  done(outcome);
}

transport::TransportStats SimTransport::stats() const {
  transport::TransportStats stats;
  if (!server_) return stats;
  stats.connectionsOpen = server_->stack().connectionsOpen().count();
  stats.sessionsOpen = stats.connectionsOpen;
  return stats;
}

}  // namespace spread::plugins::sim
