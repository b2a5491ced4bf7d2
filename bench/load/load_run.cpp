#include "load_run.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "http_publisher.h"
#include "message_stamp.h"
#include "ws_publisher.h"

namespace spread::bench {
namespace {

constexpr std::int64_t kStatusIntervalUs = 1'000'000;
constexpr std::int64_t kProbeRetryUs = 500'000;
constexpr double kStatusDurationMinS = 3;

std::int64_t secondsToUs(double seconds) { return static_cast<std::int64_t>(seconds * 1e6); }
double usToMs(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

}  // namespace

LoadRun::LoadRun(const BenchOptions& options)
    : options_(options),
      endpoint_(Endpoint::fromUrl(options.url, options.topic, {}, options.token)),
      subscriberEndpoint_(options.tlsUrl.empty()
                              ? endpoint_
                              : Endpoint::fromUrl(options.tlsUrl, options.topic, options.caFile, options.token)),
      publisherEndpoint_(options.publishUrl.empty()
                             ? endpoint_
                             : Endpoint::fromUrl(options.publishUrl, options.topic, {}, options.token)),
      subscribers_(loop_, subscriberEndpoint_, options.subscribers, options.publishers, options.connectConcurrency),
      statusEnabled_(options.status == StatusLine::kOn ||
                     (options.status == StatusLine::kAuto && options.durationS >= kStatusDurationMinS)),
      startedUs_(nowUs()) {
  for (std::uint32_t id = 0; id < options.publishers && !options.idle; ++id) {
    if (options.publishVia == PublishVia::kHttp) {
      publishers_.push_back(std::make_unique<HttpPublisher>(loop_, publisherEndpoint_, *this, id));
    } else {
      // At a fixed rate the schedule paces a WebSocket publisher; flat out its echo window does.
      const std::uint32_t window = options.rate > 0 ? 0 : options.wsWindow;
      publishers_.push_back(std::make_unique<WsPublisher>(loop_, publisherEndpoint_, *this, id, window));
    }
  }
  if (options.rate > 0 && !publishers_.empty()) {
    pacer_.emplace(publishers_.size(), options.rate);
    timer_ = std::make_unique<Timer>(loop_, *this);
  }
}

LoadRun::~LoadRun() {
  for (auto& publisher : publishers_) publisher->abandon();
  subscribers_.abandonAll();
}

template <class Done>
bool LoadRun::runUntil(std::int64_t deadlineUs, Done done) {
  while (!done()) {
    const std::int64_t now = nowUs();
    if (now >= deadlineUs) return false;
    std::int64_t waitUs = std::min<std::int64_t>(deadlineUs - now, 100'000);
    if (statusEnabled_) {
      if (now >= nextStatusUs_) {
        printStatus(now);
        nextStatusUs_ = now + kStatusIntervalUs;
      }
      waitUs = std::min(waitUs, nextStatusUs_ - now);
    }
    loop_.runOnce(static_cast<int>((waitUs + 999) / 1000));
    subscribers_.connectMore();
  }
  return true;
}

RunResult LoadRun::run() {
  RunResult result;
  result.label = options_.label;
  result.mode = options_.idle ? "idle" : "load";
  result.publishVia = options_.publishVia == PublishVia::kHttp ? "http" : "ws";
  result.rateTarget = options_.rate;
  result.durationS = options_.durationS;
  result.serverPids = options_.serverPids;
  result.redisPid = options_.redisPid;
  sampleBefore(result);
  windowStartUs_ = nowUs();
  selfCpuStart_ = selfCpuSeconds();

  connectSubscribers(result);
  if (options_.idle) {
    runUntil(nowUs() + secondsToUs(options_.durationS), [] { return false; });
    sampleAfter(result);
  } else {
    connectPublishers();
    probe();
    publishForDuration(result);
  }
  windowEndUs_ = nowUs();
  selfCpuEnd_ = selfCpuSeconds();
  if (statusEnabled_) std::fputs("\n", stderr);
  fill(result);
  return result;
}

void LoadRun::connectSubscribers(RunResult& result) {
  const std::int64_t start = nowUs();
  subscribers_.connectMore();
  if (!runUntil(start + secondsToUs(options_.connectTimeoutS), [this] { return subscribers_.allSettled(); })) {
    result.notes.push_back("connect timeout: " + std::to_string(subscribers_.open()) + " of " +
                           std::to_string(subscribers_.requested()) + " subscribers open");
  }
  result.connectAllMs = static_cast<double>(nowUs() - start) / 1000.0;
}

void LoadRun::connectPublishers() {
  for (auto& publisher : publishers_) publisher->start();
  runUntil(nowUs() + secondsToUs(options_.connectTimeoutS), [this] {
    return std::all_of(publishers_.begin(), publishers_.end(), [](const auto& p) { return p->ready() || p->ended(); });
  });
}

void LoadRun::probe() {
  if (publishers_.empty() || subscribers_.open() == 0) return;
  Publisher& prober = *publishers_.front();
  const std::int64_t deadline = nowUs() + secondsToUs(options_.connectTimeoutS);
  std::int64_t lastProbeUs = 0;
  runUntil(deadline, [&] {
    if (subscribers_.probesSeen() >= subscribers_.open()) return true;
    const std::int64_t now = nowUs();
    if (prober.ready() && now - lastProbeUs >= kProbeRetryUs) {
      prober.publish(formatStamp({kProbePublisher, 0, now}));
      lastProbeUs = now;
    }
    return false;
  });
  runUntil(deadline, [&] { return !prober.awaitingAnswer(); });
  for (auto& publisher : publishers_) publisher->resetCounters();
  subscribers_.resetDeliveries();
}

void LoadRun::publishForDuration(RunResult& result) {
  sampleBefore(result);
  selfCpuStart_ = selfCpuSeconds();
  phase_ = Phase::kPublishing;
  publishStartUs_ = windowStartUs_ = nowUs();
  nextStatusUs_ = publishStartUs_ + kStatusIntervalUs;
  if (pacer_) pacer_->start(publishStartUs_);
  for (auto& publisher : publishers_) pump(*publisher);
  armTimer();
  runUntil(publishStartUs_ + secondsToUs(options_.durationS), [] { return false; });
  phase_ = Phase::kStopped;
  publishEndUs_ = nowUs();
  drain();
  sampleAfter(result);
}

void LoadRun::drain() {
  const std::int64_t deadline = publishEndUs_ + secondsToUs(options_.drainTimeoutS);
  runUntil(deadline, [this] {
    return std::none_of(publishers_.begin(), publishers_.end(), [](const auto& p) { return p->awaitingAnswer(); });
  });
  std::uint64_t acceptedTotal = 0;
  for (const auto& publisher : publishers_) acceptedTotal += publisher->accepted();
  runUntil(deadline, [&] { return subscribers_.complete(acceptedTotal); });
}

void LoadRun::onReady(Publisher& publisher) {
  pump(publisher);
  if (timer_) armTimer();
}

void LoadRun::onEvents(std::uint32_t) {
  for (auto& publisher : publishers_) pump(*publisher);
  armTimer();
}

void LoadRun::pump(Publisher& publisher) {
  if (phase_ != Phase::kPublishing) return;
  while (publisher.ready()) {
    const std::int64_t now = nowUs();
    if (pacer_ && !pacer_->take(publisher.id(), now)) break;
    publisher.publish(formatStamp({publisher.id(), publisher.takeSequence(), now}, options_.messageBytes));
  }
}

void LoadRun::armTimer() {
  if (!timer_ || phase_ != Phase::kPublishing) return;
  // Only a publisher that can send needs waking; a busy one is pumped when it answers.
  double next = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < publishers_.size(); ++i) {
    if (publishers_[i]->ready()) next = std::min(next, pacer_->dueUs(i));
  }
  if (std::isfinite(next)) timer_->armAt(static_cast<std::int64_t>(std::ceil(next)));
}

void LoadRun::printStatus(std::int64_t now) {
  std::uint64_t publishes = 0;
  for (const auto& publisher : publishers_) publishes += publisher->accepted();
  const double elapsedS = static_cast<double>(now - startedUs_) / 1e6;
  const double windowS = static_cast<double>(kStatusIntervalUs) / 1e6;
  const std::uint64_t deliveries = subscribers_.deliveries();
  std::fprintf(stderr, "%s[%5.1fs] subscribers %u/%u  publish/s %8.0f  deliveries/s %10.0f  dropped %u  p99 %.2f ms",
               isatty(STDERR_FILENO) ? "\r" : "", elapsedS, subscribers_.open(), subscribers_.requested(),
               static_cast<double>(publishes >= statusPublishes_ ? publishes - statusPublishes_ : 0) / windowS,
               static_cast<double>(deliveries >= statusDeliveries_ ? deliveries - statusDeliveries_ : 0) / windowS,
               subscribers_.droppedSlow(), usToMs(subscribers_.latencyUs().percentile(0.99)));
  if (!isatty(STDERR_FILENO)) std::fputs("\n", stderr);
  std::fflush(stderr);
  statusPublishes_ = publishes;
  statusDeliveries_ = deliveries;
}

std::optional<ProcessSample> LoadRun::sampleServer() const { return sampleProcesses(options_.serverPids); }

std::optional<ProcessSample> LoadRun::sampleRedis() const {
  if (!options_.redisPid) return std::nullopt;
  return sampleProcess(*options_.redisPid);
}

void LoadRun::sampleBefore(RunResult& result) const {
  result.serverBefore = sampleServer();
  result.redisBefore = sampleRedis();
}

void LoadRun::sampleAfter(RunResult& result) const {
  result.serverAfter = sampleServer();
  result.redisAfter = sampleRedis();
}

void LoadRun::fill(RunResult& result) const {
  result.subscribersRequested = subscribers_.requested();
  result.subscribersConnected = subscribers_.everOpened();
  result.subscribersOpenAtEnd = subscribers_.open();
  result.connectFailures = subscribers_.connectFailures();
  const LatencyHistogram& connect = subscribers_.connectUs();
  result.connectP50Ms = usToMs(connect.percentile(0.5));
  result.connectP99Ms = usToMs(connect.percentile(0.99));
  result.connectMaxMs = usToMs(connect.max());

  result.publishers = static_cast<std::uint32_t>(publishers_.size());
  std::vector<std::uint64_t> accepted;
  for (const auto& publisher : publishers_) {
    result.publishesSent += publisher->sent();
    result.publishes += publisher->accepted();
    result.publishErrors += publisher->failed();
    accepted.push_back(publisher->accepted());
    if (!publisher->lastError().empty() && result.notes.size() < 8) {
      result.notes.push_back("publisher " + std::to_string(publisher->id()) + ": " + publisher->lastError());
    }
  }
  if (publishEndUs_ > publishStartUs_) {
    result.publishSeconds = static_cast<double>(publishEndUs_ - publishStartUs_) / 1e6;
    result.publishesPerS = static_cast<double>(result.publishes) / result.publishSeconds;
    if (options_.rate > 0 && result.publishesPerS < 0.95 * options_.rate) {
      result.notes.push_back("publishing fell behind the target rate: the server (or this tool) is saturated");
    }
  }

  result.deliveries = subscribers_.deliveries();
  const std::int64_t deliveryEnd = std::max(subscribers_.lastDeliveryUs(), publishEndUs_);
  if (deliveryEnd > publishStartUs_ && publishStartUs_ != 0) {
    result.deliveriesPerS = static_cast<double>(result.deliveries) * 1e6 / static_cast<double>(deliveryEnd - publishStartUs_);
  }
  result.lost = options_.idle ? 0 : subscribers_.missing(accepted);
  result.reorders = subscribers_.reorders();
  result.duplicates = subscribers_.duplicates();
  result.unparsable = subscribers_.unparsable();
  result.subscribersDropped = subscribers_.droppedSlow();
  result.subscribersClosedOther = subscribers_.closedOther();

  const LatencyHistogram& latency = subscribers_.latencyUs();
  result.latencySamples = latency.count();
  result.latencyP50Ms = usToMs(latency.percentile(0.5));
  result.latencyP99Ms = usToMs(latency.percentile(0.99));
  result.latencyP999Ms = usToMs(latency.percentile(0.999));
  result.latencyMaxMs = usToMs(latency.max());

  if (result.serverBefore && result.serverAfter) {
    result.serverCpuSeconds = result.serverAfter->cpuSeconds - result.serverBefore->cpuSeconds;
    if (result.deliveries > 0) result.serverCpuUsPerDelivery = result.serverCpuSeconds * 1e6 / static_cast<double>(result.deliveries);
    if (result.publishes > 0) result.serverCpuUsPerPublish = result.serverCpuSeconds * 1e6 / static_cast<double>(result.publishes);
    if (options_.idle && result.subscribersConnected > 0) {
      result.serverRssPerConnectionBytes =
          (static_cast<double>(result.serverAfter->rssBytes) - static_cast<double>(result.serverBefore->rssBytes)) /
          static_cast<double>(result.subscribersConnected);
    }
  }
  if (result.redisBefore && result.redisAfter) {
    result.redisCpuSeconds = result.redisAfter->cpuSeconds - result.redisBefore->cpuSeconds;
    const double redisCpuUs = result.redisCpuSeconds * 1e6;
    if (result.deliveries > 0) result.redisCpuUsPerDelivery = redisCpuUs / static_cast<double>(result.deliveries);
    if (result.publishes > 0) result.redisCpuUsPerPublish = redisCpuUs / static_cast<double>(result.publishes);
  }
  result.benchCpuSeconds = selfCpuEnd_ - selfCpuStart_;
  if (windowEndUs_ > windowStartUs_) {
    result.benchCpuPercent = 100 * result.benchCpuSeconds * 1e6 / static_cast<double>(windowEndUs_ - windowStartUs_);
    if (!options_.idle && result.benchCpuPercent > 90) {
      result.notes.push_back("spread-bench used most of a core: it may have limited this run");
    }
  }
  for (const auto& note : subscribers_.notes()) result.notes.push_back(note);
}

}  // namespace spread::bench
