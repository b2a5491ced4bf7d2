#include "churn_run.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "churn_verdict.h"
#include "message_stamp.h"

namespace spread::bench {
namespace {

constexpr std::int64_t kStatusIntervalUs = 1'000'000;
constexpr std::int64_t kSampleIntervalUs = 1'000'000;
constexpr std::int64_t kPublisherConnectUs = 10'000'000;
constexpr std::int64_t kAnswerWaitUs = 5'000'000;
// The slots' first lives start spread over this long, not all in one instant.
constexpr std::int64_t kRampUs = 1'000'000;
constexpr std::int64_t kSettlePollMs = 100;
// A server whose descriptor count has not moved for this long has settled, even if it
// keeps a few more than before (after the warm-up: any number more).
constexpr std::int64_t kSteadyUs = 2'000'000;
constexpr double kStatusDurationMinS = 3;

std::int64_t secondsToUs(double seconds) { return static_cast<std::int64_t>(seconds * 1e6); }

std::vector<Endpoint> topicEndpoints(const ChurnOptions& options) {
  std::vector<Endpoint> topics;
  for (std::uint32_t topic = 0; topic < options.topics; ++topic) {
    topics.push_back(Endpoint::fromUrl(options.url, "churn-" + std::to_string(topic)));
  }
  return topics;
}

std::vector<std::vector<std::uint32_t>> publishersByTopic(const ChurnOptions& options) {
  std::vector<std::vector<std::uint32_t>> byTopic(options.topics);
  for (std::uint32_t publisher = 0; publisher < options.publishers; ++publisher) {
    byTopic[publisher % options.topics].push_back(publisher);
  }
  return byTopic;
}

}  // namespace

ChurnRun::ChurnRun(const ChurnOptions& options)
    : options_(options),
      topics_(topicEndpoints(options)),
      publishersOf_(publishersByTopic(options)),
      logs_(options.publishers),
      context_{loop_, deadlines_, options_, topics_, publishersOf_, logs_, tally_},
      pending_(options.publishers),
      pacer_(options.publishers, options.rate),
      statusEnabled_(options.status == StatusLine::kOn ||
                     (options.status == StatusLine::kAuto && options.durationS >= kStatusDurationMinS)) {
  for (std::uint32_t id = 0; id < options.publishers; ++id) {
    publishers_.push_back(std::make_unique<HttpPublisher>(loop_, topics_[id % options.topics], *this, id));
  }
  for (std::uint32_t index = 0; index < options.clients; ++index) {
    slots_.push_back(std::make_unique<ChurnSlot>(context_, index));
  }
}

ChurnRun::~ChurnRun() {
  for (auto& slot : slots_) slot->halt();
  for (auto& publisher : publishers_) publisher->abandon();
}

ChurnResult ChurnRun::run() {
  ChurnResult result;
  result.options = options_;
  const double benchCpuStart = selfCpuSeconds();
  const std::int64_t runStartUs = nowUs();

  result.cold = sample();
  if (!result.cold) {
    throw std::runtime_error("cannot read /proc/" + std::to_string(options_.serverPid) +
                             " (status and fd): is --server-pid a running server of this user?");
  }
  latest_ = result.cold;
  phaseStartUs_ = nextStatusUs_ = runStartUs;

  if (options_.warmupS > 0) {
    phase_ = "warm-up";
    startPublishers(options_.warmupRate);
    beginSlots();
    runUntil(phaseStartUs_ + secondsToUs(options_.warmupS), [] { return false; });
    haltSlots();
    stopPublishers();
    phase_ = "settling";
    result.baseline = settle(*result.cold, true, result.baselineSettleS, result.baselineSettled);
  } else {
    result.baseline = result.cold;
    result.baselineSettled = true;
  }
  if (!result.baseline) {
    result.tally = tally_;
    result.failures = churnVerdict(result);
    return result;
  }

  phase_ = "soak";
  std::uint64_t acceptedBefore = 0;
  for (const PublishLog& log : logs_) acceptedBefore += log.accepted();
  const std::optional<ServerSample> soakStart = sample();
  startPublishers(options_.rate);
  beginSlots();
  const std::int64_t soakStartUs = phaseStartUs_;
  trackingPeak_ = true;
  runUntil(soakStartUs + secondsToUs(options_.durationS), [] { return false; });
  trackingPeak_ = false;
  const std::int64_t soakEndUs = nowUs();
  const std::optional<ServerSample> soakEnd = sample();
  haltSlots();
  stopPublishers();
  phase_ = "settling";
  result.after = settle(*result.baseline, false, result.afterSettleS, result.afterSettled);
  if (statusEnabled_) std::fputs("\n", stderr);

  result.tally = tally_;
  for (std::size_t p = 0; p < publishers_.size(); ++p) {
    result.publishesSent += logs_[p].lastSent();
    result.publishesAccepted += logs_[p].accepted();
    result.publishesRefused += logs_[p].refused();
    result.publishesUnknown += logs_[p].unknown();
    result.publisherReconnects += publishers_[p]->reconnects();
  }
  result.soakSeconds = static_cast<double>(soakEndUs - soakStartUs) / 1e6;
  if (result.soakSeconds > 0) {
    result.soakPublishesPerS = static_cast<double>(result.publishesAccepted - acceptedBefore) / result.soakSeconds;
  }
  result.peak = peak_;
  if (soakStart && soakEnd) result.serverCpuSeconds = soakEnd->process.cpuSeconds - soakStart->process.cpuSeconds;
  result.benchCpuSeconds = selfCpuSeconds() - benchCpuStart;
  const double runSeconds = static_cast<double>(nowUs() - runStartUs) / 1e6;
  if (runSeconds > 0) result.benchCpuPercent = 100 * result.benchCpuSeconds / runSeconds;
  if (result.soakPublishesPerS < 0.95 * options_.rate) {
    result.notes.push_back("publishing fell behind the target rate: the server (or this tool) is saturated");
  }
  if (options_.warmupS < std::max(options_.lifeMaxS, options_.stallMaxS)) {
    result.notes.push_back("the warm-up was shorter than the longest life (--life-max, --stall-max): the baseline "
                           "may miss part of the churn's steady state, so RSS may seem to grow");
  }
  if (result.baseline && result.after && result.after->process.rssPeakBytes > result.baseline->process.rssPeakBytes) {
    char text[200];
    std::snprintf(text, sizeof text,
                  "the soak took the server's memory to a new high-water mark (%.2f MiB, the warm-up %.2f MiB): "
                  "part of any RSS growth may be memory kept from that peak",
                  static_cast<double>(result.after->process.rssPeakBytes) / 1048576.0,
                  static_cast<double>(result.baseline->process.rssPeakBytes) / 1048576.0);
    result.notes.push_back(text);
  }
  if (!result.baselineSettled) {
    result.notes.push_back("after the warm-up the server's descriptors had not come back within the settle time");
  }
  if (!result.afterSettled) {
    result.notes.push_back("after the soak the server had not settled within " +
                           std::to_string(static_cast<int>(options_.serverSettleS)) + " s");
  }
  for (const auto& publisher : publishers_) {
    if (!publisher->lastError().empty() && result.notes.size() < 12) {
      result.notes.push_back("publisher " + std::to_string(publisher->id()) + ": " + publisher->lastError());
    }
  }
  result.failures = churnVerdict(result);
  return result;
}

bool ChurnRun::runUntil(std::int64_t deadlineUs, const std::function<bool()>& done) {
  while (!done()) {
    std::int64_t now = nowUs();
    if (now >= deadlineUs) return false;
    std::int64_t wakeUs = std::min(deadlineUs, now + 100'000);
    if (auto next = deadlines_.nextAtUs()) wakeUs = std::min(wakeUs, *next);
    if (publishing_) {
      for (std::size_t p = 0; p < publishers_.size(); ++p) {
        if (publishers_[p]->ready()) wakeUs = std::min(wakeUs, static_cast<std::int64_t>(std::ceil(pacer_.dueUs(p))));
      }
    }
    if (statusEnabled_) wakeUs = std::min(wakeUs, nextStatusUs_);
    wakeUs = std::min(wakeUs, nextSampleUs_);
    loop_.runOnce(static_cast<int>(std::max<std::int64_t>(0, (wakeUs - now + 999) / 1000)));

    now = nowUs();
    deadlines_.fireDue(now, [this](std::uint32_t slot, std::uint64_t token) { slots_[slot]->onTimer(token); });
    for (std::size_t p = 0; p < publishers_.size(); ++p) pump(p, now);
    if (now >= nextSampleUs_) {
      latest_ = sample();
      if (latest_ && trackingPeak_) trackPeak(*latest_);
      nextSampleUs_ = now + kSampleIntervalUs;
    }
    if (statusEnabled_ && now >= nextStatusUs_) {
      printStatus(now);
      nextStatusUs_ = now + kStatusIntervalUs;
    }
  }
  return true;
}

void ChurnRun::startPublishers(double rate) {
  for (auto& publisher : publishers_) publisher->start();
  runUntil(nowUs() + kPublisherConnectUs, [this] {
    return std::all_of(publishers_.begin(), publishers_.end(), [](const auto& p) { return p->ready() || p->ended(); });
  });
  if (std::none_of(publishers_.begin(), publishers_.end(), [](const auto& p) { return p->ready(); })) {
    throw std::runtime_error("no publisher could connect to " + options_.url + ": " + publishers_.front()->lastError());
  }
  phaseStartUs_ = nowUs();
  pacer_ = RatePacer(publishers_.size(), rate);
  pacer_.start(phaseStartUs_);
  publishing_ = true;
  for (std::size_t p = 0; p < publishers_.size(); ++p) pump(p, phaseStartUs_);
}

void ChurnRun::stopPublishers() {
  publishing_ = false;
  runUntil(nowUs() + kAnswerWaitUs, [this] {
    return std::none_of(publishers_.begin(), publishers_.end(), [](const auto& p) { return p->awaitingAnswer(); });
  });
  for (std::size_t p = 0; p < publishers_.size(); ++p) {
    noteAnswer(p);
    // Still unanswered: the server may or may not have taken it.
    if (pending_[p].sequence != 0) logs_[p].answered(pending_[p].sequence, PublishLog::Answer::kUnknown);
    pending_[p] = Pending{};
    publishers_[p]->abandon();
  }
}

void ChurnRun::beginSlots() {
  const std::int64_t start = nowUs();
  const std::int64_t count = static_cast<std::int64_t>(slots_.size());
  for (std::int64_t i = 0; i < count; ++i) slots_[static_cast<std::size_t>(i)]->begin(start + kRampUs * i / count);
}

void ChurnRun::haltSlots() {
  for (auto& slot : slots_) slot->halt();
}

void ChurnRun::onReady(Publisher& publisher) {
  noteAnswer(publisher.id());
  pump(publisher.id(), nowUs());
}

void ChurnRun::noteAnswer(std::size_t p) {
  Pending& pending = pending_[p];
  const Publisher& publisher = *publishers_[p];
  if (pending.sequence == 0 || publisher.awaitingAnswer()) return;
  PublishLog::Answer answer = PublishLog::Answer::kUnknown;
  if (publisher.accepted() > pending.accepted) answer = PublishLog::Answer::kAccepted;
  else if (publisher.unanswered() > pending.unanswered) answer = PublishLog::Answer::kUnknown;
  else if (publisher.failed() > pending.failed) answer = PublishLog::Answer::kRefused;
  logs_[p].answered(pending.sequence, answer);
  pending = Pending{};
}

void ChurnRun::pump(std::size_t p, std::int64_t nowUs) {
  if (!publishing_) return;
  Publisher& publisher = *publishers_[p];
  noteAnswer(p);
  while (publisher.ready() && pending_[p].sequence == 0 && pacer_.take(p, nowUs)) {
    const std::uint64_t sequence = publisher.takeSequence();
    pending_[p] = Pending{sequence, publisher.accepted(), publisher.failed(), publisher.unanswered()};
    logs_[p].sent(sequence);
    publisher.publish(formatStamp({static_cast<std::uint32_t>(p), sequence, nowUs}, options_.messageBytes));
  }
}

std::optional<ServerSample> ChurnRun::sample() const {
  const auto process = sampleProcess(options_.serverPid);
  const auto descriptors = countDescriptors(options_.serverPid);
  if (!process || !descriptors) return std::nullopt;
  return ServerSample{*process, *descriptors};
}

std::optional<ServerSample> ChurnRun::settle(const ServerSample& reference, bool orSteady, double& seconds,
                                             bool& settled) {
  const std::int64_t start = nowUs();
  const std::int64_t deadline = start + secondsToUs(options_.serverSettleS);
  const std::uint64_t descriptorsMax =
      reference.descriptors + allowedGrowth(reference.descriptors, options_.fdSlackPercent, options_.fdSlack);
  const std::uint64_t threadsMax = reference.process.threads +
                                   allowedGrowth(reference.process.threads, options_.threadSlackPercent, options_.threadSlack);
  std::optional<ServerSample> current;
  std::uint32_t steadyDescriptors = 0;
  std::int64_t steadySinceUs = start;
  settled = false;
  while (true) {
    current = sample();
    const std::int64_t now = nowUs();
    if (!current) break;
    // Back exactly where it was: settled. Within the slack, or (orSteady) anywhere, it has
    // settled once the count stops moving; until then connections are still closing.
    if (current->descriptors <= reference.descriptors && current->process.threads <= reference.process.threads) {
      settled = true;
      break;
    }
    if (current->descriptors != steadyDescriptors) {
      steadyDescriptors = current->descriptors;
      steadySinceUs = now;
    } else if (now - steadySinceUs >= kSteadyUs &&
               (orSteady || (current->descriptors <= descriptorsMax && current->process.threads <= threadsMax))) {
      settled = true;
      break;
    }
    if (now >= deadline) break;
    loop_.runOnce(static_cast<int>(kSettlePollMs));  // nothing is open: this only waits
  }
  seconds = static_cast<double>(nowUs() - start) / 1e6;
  latest_ = current;
  return current;
}

void ChurnRun::trackPeak(const ServerSample& sample) {
  if (!peak_) {
    peak_ = sample;
    return;
  }
  peak_->process.rssBytes = std::max(peak_->process.rssBytes, sample.process.rssBytes);
  peak_->process.rssPeakBytes = std::max(peak_->process.rssPeakBytes, sample.process.rssPeakBytes);
  peak_->process.threads = std::max(peak_->process.threads, sample.process.threads);
  peak_->descriptors = std::max(peak_->descriptors, sample.descriptors);
}

void ChurnRun::printStatus(std::int64_t nowUs) {
  std::uint64_t accepted = 0;
  for (const PublishLog& log : logs_) accepted += log.accepted();
  std::uint64_t lives = 0;
  for (const auto& kind : tally_.kinds) lives += kind.started;
  const auto live = std::count_if(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->live(); });
  const double windowS = static_cast<double>(kStatusIntervalUs) / 1e6;
  std::fprintf(stderr,
               "%s[%-8s %5.1fs] lives %8llu  live %5ld  publish/s %6.0f  deliveries/s %8.0f  judged %6llu  "
               "missing %llu  server rss %6.1f MiB  fds %5u  threads %3u",
               isatty(STDERR_FILENO) ? "\r" : "", phase_, static_cast<double>(nowUs - phaseStartUs_) / 1e6,
               static_cast<unsigned long long>(lives), static_cast<long>(live),
               static_cast<double>(accepted - std::min(accepted, statusAccepted_)) / windowS,
               static_cast<double>(tally_.deliveries - std::min(tally_.deliveries, statusDeliveries_)) / windowS,
               static_cast<unsigned long long>(tally_.readersJudged), static_cast<unsigned long long>(tally_.missing),
               latest_ ? static_cast<double>(latest_->process.rssBytes) / 1048576.0 : 0.0,
               latest_ ? latest_->descriptors : 0u, latest_ ? latest_->process.threads : 0u);
  if (!isatty(STDERR_FILENO)) std::fputs("\n", stderr);
  std::fflush(stderr);
  statusAccepted_ = accepted;
  statusDeliveries_ = tally_.deliveries;
}

}  // namespace spread::bench
