#include "sse_transport.h"

#include <Poco/Util/AbstractConfiguration.h>

#include <charconv>

#include "spread/transport/stream_endpoint.h"

namespace spread::plugins::sse {

namespace {

constexpr std::string_view kPrefix = "transport.sse.";
// At least a tenth of a second, so that a fleet of browsers cannot be told to hammer the
// server; at most an hour, past which a "reconnect" is no longer one.
constexpr std::uint64_t kRetryMsMin = 100;
constexpr std::uint64_t kRetryMsMax = 3'600'000;

}  // namespace

std::variant<SseConfig, std::string> parseSseConfig(const Poco::Util::AbstractConfiguration& config) {
  SseConfig result;
  Poco::Util::AbstractConfiguration::Keys keys;
  config.keys(keys);
  for (const std::string& key : keys) {
    if (key != "retryMs") return std::string(kPrefix) + key + ": unknown key (known: retryMs)";
  }
  if (config.hasProperty("retryMs")) {
    const std::string text = config.getRawString("retryMs");
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < kRetryMsMin ||
        value > kRetryMsMax) {
      return std::string(kPrefix) + "retryMs: must be a whole number of milliseconds from " +
             std::to_string(kRetryMsMin) + " to " + std::to_string(kRetryMsMax) + ", not '" + text + "'";
    }
    result.retry = std::chrono::milliseconds(value);
  }
  return result;
}

SseTransport::~SseTransport() {
  if (stopping_.joinable()) stopping_.join();
}

std::optional<std::string> SseTransport::checkConfig(const Poco::Util::AbstractConfiguration& config,
                                                     const transport::SessionOptions&) const {
  auto parsed = parseSseConfig(config);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  return std::nullopt;
}

transport::StartResult SseTransport::start(transport::TransportContext& context) {
  auto parsed = parseSseConfig(context.config);
  if (auto* error = std::get_if<std::string>(&parsed)) return transport::StartResult::failure(*error);
  if (context.streams == nullptr) {
    return transport::StartResult::failure("this server offers no stream endpoints for /events to be served on");
  }
  context_ = &context;
  endpoint_ = std::make_shared<EventsEndpoint>(context, std::get<SseConfig>(parsed).retry, live_);
  if (!context.streams->add(endpoint_)) {
    endpoint_.reset();
    return transport::StartResult::failure("another transport already serves " + std::string(EventsEndpoint::kPath));
  }
  return transport::StartResult::success();
}

void SseTransport::stop(core::Duration deadline, transport::StopCallback done) {
  if (endpoint_ != nullptr) {
    context_->streams->remove(EventsEndpoint::kPath);
    endpoint_.reset();
  }
  // The streams themselves live on the HTTP transport's loops, which end them as that
  // transport stops; what is waited for here is this plugin's objects they hold.
  // On a thread of its own, so that stop() returns at once whichever order the transports
  // are stopped in: the streams end only as the HTTP transport's stop() runs.
  const auto until = std::chrono::steady_clock::now() + deadline;
  if (stopping_.joinable()) stopping_.join();
  stopping_ = std::thread([this, until, done = std::move(done)] {
    const bool completed = live_.waitForZero(until);
    done(completed ? transport::StopOutcome::kCompleted : transport::StopOutcome::kDeadlineExceeded);
  });
}

transport::TransportStats SseTransport::stats() const {
  // Its sockets are the HTTP transport's, and counted there.
  return transport::TransportStats{0, live_.count()};
}

}  // namespace spread::plugins::sse
