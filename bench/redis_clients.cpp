// Measures the two Redis clients Debian offers for the engine's link, on the one job the link
// does most: PUBLISH. hiredis' async API as RedisLink drives it (pipelined, up to --window
// unanswered), Poco::Redis::Client as it is meant to be used (synchronous, one round trip per
// command), and Poco with its own pipelining (sendCommands, --window commands per batch).
// Runs are interleaved (link, poco, poco-pipelined, then again) so a drifting machine does
// not favour one client. CPU is this process's (both the caller's and the link's thread);
// the server's CPU is not counted.
//
//   redis-server --port 6390 --save '' --appendonly no &
//   build/release/bin/spread_redis_clients_bench --port 6390 [--messages N] [--bytes B] [--window W] [--runs R]
//       [--only hiredis|poco-sync|poco-pipelined]
#include <sys/resource.h>

#include <Poco/Redis/Array.h>
#include <Poco/Redis/Client.h>
#include <Poco/Redis/Command.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "redis_link.h"

namespace {

using spread::plugins::redis::LinkState;
using spread::plugins::redis::PublishAdmission;
using spread::plugins::redis::PublishResult;
using spread::plugins::redis::RedisLink;
using spread::plugins::redis::RedisLinkHandlers;
using spread::plugins::redis::RedisLinkOptions;

struct Settings {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::size_t messages = 50000;
  std::size_t bytes = 100;
  std::size_t window = 256;
  int runs = 3;
  std::string only;  // Run only the client whose name starts with this.
};

struct Measure {
  double seconds;
  double cpuSeconds;
};

double cpuNow() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& time) { return static_cast<double>(time.tv_sec) + time.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

template <typename Work>
Measure timed(Work work) {
  double cpuStart = cpuNow();
  auto start = std::chrono::steady_clock::now();
  work();
  auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {wall, cpuNow() - cpuStart};
}

Measure runLink(const Settings& settings) {
  RedisLinkOptions options;
  options.host = settings.host;
  options.port = settings.port;
  options.pendingCommandsMax = settings.window;
  std::mutex mutex;
  std::condition_variable changed;
  bool connected = false;
  std::size_t answered = 0;
  std::size_t failed = 0;
  RedisLinkHandlers handlers;
  handlers.state = [&](const LinkState& state) {
    std::lock_guard lock(mutex);
    connected = state.connected;
    if (!state.connected) std::fprintf(stderr, "link: %s\n", state.reason.c_str());
    changed.notify_all();
  };
  RedisLink link(options, handlers);
  link.start();
  {
    std::unique_lock lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(5), [&] { return connected; })) {
      std::fprintf(stderr, "the link did not connect to %s:%d\n", settings.host.c_str(), settings.port);
      std::exit(1);
    }
  }
  std::string payload(settings.bytes, 'x');
  auto done = [&](const PublishResult& result) {
    std::lock_guard lock(mutex);
    ++answered;
    if (!result.published) ++failed;
    changed.notify_all();
  };
  Measure measure = timed([&] {
    std::size_t sent = 0;
    while (sent < settings.messages) {
      PublishAdmission admission = link.publish("bench", payload, done);
      if (admission == PublishAdmission::kAccepted) {
        ++sent;
        continue;
      }
      if (admission != PublishAdmission::kRefusedTooManyPending) {
        std::fprintf(stderr, "publish refused: %d\n", static_cast<int>(admission));
        std::exit(1);
      }
      // The window is full: wait until an answer frees a place in it.
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return sent - answered < settings.window; });
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return answered == settings.messages; });
  });
  if (failed > 0) std::fprintf(stderr, "link: %zu publishes failed\n", failed);
  return measure;
}

Poco::Redis::Array publishCommand(const std::string& payload) {
  Poco::Redis::Array command;
  command << "PUBLISH" << "bench" << payload;
  return command;
}

Measure runPoco(const Settings& settings) {
  Poco::Redis::Client client(settings.host, settings.port);
  std::string payload(settings.bytes, 'x');
  return timed([&] {
    for (std::size_t i = 0; i < settings.messages; ++i) client.execute<Poco::Int64>(publishCommand(payload));
  });
}

Measure runPocoPipelined(const Settings& settings) {
  Poco::Redis::Client client(settings.host, settings.port);
  std::string payload(settings.bytes, 'x');
  return timed([&] {
    for (std::size_t sent = 0; sent < settings.messages;) {
      std::size_t batch = std::min(settings.window, settings.messages - sent);
      std::vector<Poco::Redis::Array> commands(batch, publishCommand(payload));
      client.sendCommands(commands);
      sent += batch;
    }
  });
}

Settings parse(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    std::string value = argv[i + 1];
    if (name == "--host") settings.host = value;
    else if (name == "--port") settings.port = std::stoi(value);
    else if (name == "--messages") settings.messages = std::stoul(value);
    else if (name == "--bytes") settings.bytes = std::stoul(value);
    else if (name == "--window") settings.window = std::stoul(value);
    else if (name == "--runs") settings.runs = std::stoi(value);
    else if (name == "--only") settings.only = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", name.c_str());
      std::exit(2);
    }
  }
  return settings;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings = parse(argc, argv);
  std::printf("%zu PUBLISH of %zu bytes per run, window %zu, %d runs interleaved, redis %s:%d\n", settings.messages,
              settings.bytes, settings.window, settings.runs, settings.host.c_str(), settings.port);
  std::map<std::string, std::vector<Measure>> results;
  const std::vector<std::pair<std::string, Measure (*)(const Settings&)>> clients{
      {"hiredis-async (RedisLink)", runLink}, {"poco-sync", runPoco}, {"poco-pipelined", runPocoPipelined}};
  for (int run = 1; run <= settings.runs; ++run) {
    for (const auto& [name, client] : clients) {
      if (name.rfind(settings.only, 0) != 0) continue;
      Measure measure = client(settings);
      results[name].push_back(measure);
      std::printf("run %d  %-26s %10.0f msg/s  %6.2f us CPU/publish\n", run, name.c_str(),
                  settings.messages / measure.seconds, measure.cpuSeconds * 1e6 / settings.messages);
      std::fflush(stdout);
    }
  }
  std::printf("median:\n");
  for (const auto& [name, client] : clients) {
    auto measures = results[name];
    if (measures.empty()) continue;
    std::sort(measures.begin(), measures.end(), [](const Measure& a, const Measure& b) { return a.seconds < b.seconds; });
    const Measure& middle = measures[measures.size() / 2];
    std::printf("        %-26s %10.0f msg/s  %6.2f us CPU/publish\n", name.c_str(), settings.messages / middle.seconds,
                middle.cpuSeconds * 1e6 / settings.messages);
  }
  return 0;
}
