// A broadcast server on uWebSockets that speaks Spread's chat protocol, so bench/compare can
// put the same load on Spread and on the C++ server most often named as the fastest:
//   POST /publish[?topic=T]  {"name","msg"}  -> 204, the body published once to the topic
//   GET /subscribe[?topic=T] -> WebSocket, subscribed to the topic; a text frame the client
//                               sends is published the same way
//   GET /healthz             -> 200
// One thread, compression off, and a subscriber whose backlog passes 1 MiB is closed, as
// Spread drops a slow consumer. The body is not validated: the peer is a yardstick for
// fan-out, and every byte it skips only flatters it. Readiness, on stdout:
//   uws: listening websocket http://127.0.0.1:PORT/
//   uws: ready
// SIGINT/SIGTERM close every socket, print "uws: stopped" and exit 0.
// Built by bench/compare from uWebSockets and uSockets checkouts (--uws-dir, --usockets-dir).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "App.h"

namespace {

constexpr unsigned kBackpressureMax = 1 << 20;
constexpr unsigned kBodyBytesMax = 64 * 1024;

volatile std::sig_atomic_t stopRequested = 0;
uWS::App* app = nullptr;

struct Subscriber {
  std::string topic;
};

struct PendingPublish {
  std::string topic;
  std::string body;
  bool refused = false;
};

std::string topicOf(uWS::HttpRequest* req) {
  const std::string_view value = req->getQuery("topic");
  return value.empty() ? std::string("chat") : std::string(value);
}

void pollForStop(us_timer_t* timer) {
  if (stopRequested == 0) return;
  us_timer_close(timer);
  app->close();  // the loop ends once no socket is left
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc == 3 && std::string_view(argv[1]) == "--port" ? std::atoi(argv[2]) : 0;
  std::signal(SIGINT, [](int) { stopRequested = 1; });
  std::signal(SIGTERM, [](int) { stopRequested = 1; });

  uWS::App server;
  app = &server;
  server.post("/publish", [](uWS::HttpResponse<false>* res, uWS::HttpRequest* req) {
    res->onAborted([] {});
    auto pending = std::make_shared<PendingPublish>(PendingPublish{topicOf(req), {}, false});
    res->onData([res, pending](std::string_view chunk, bool last) {
      if (pending->refused) return;
      if (pending->body.size() + chunk.size() > kBodyBytesMax) {
        pending->refused = true;
        res->writeStatus("413 Payload Too Large")->end("{\"error\":\"body too large\"}", true);
        return;
      }
      pending->body.append(chunk);
      if (!last) return;
      app->publish(pending->topic, pending->body, uWS::OpCode::TEXT);
      res->writeStatus("204 No Content")->endWithoutBody(std::nullopt, false);
    });
  });
  server.get("/healthz", [](uWS::HttpResponse<false>* res, uWS::HttpRequest*) { res->end("{\"status\":\"ok\"}"); });
  server.ws<Subscriber>("/subscribe", {
      .compression = uWS::DISABLED,
      .maxPayloadLength = kBodyBytesMax,
      .idleTimeout = 120,
      .maxBackpressure = kBackpressureMax,
      .closeOnBackpressureLimit = true,
      .upgrade = [](uWS::HttpResponse<false>* res, uWS::HttpRequest* req, us_socket_context_t* context) {
        res->upgrade<Subscriber>({topicOf(req)}, req->getHeader("sec-websocket-key"),
                                 req->getHeader("sec-websocket-protocol"),
                                 req->getHeader("sec-websocket-extensions"), context);
      },
      .open = [](uWS::WebSocket<false, true, Subscriber>* ws) { ws->subscribe(ws->getUserData()->topic); },
      .message = [](uWS::WebSocket<false, true, Subscriber>* ws, std::string_view message, uWS::OpCode) {
        app->publish(ws->getUserData()->topic, message, uWS::OpCode::TEXT);
      },
  });
  server.listen("127.0.0.1", port, [](us_listen_socket_t* listening) {
    if (listening == nullptr) {
      std::fprintf(stderr, "uws: could not listen\n");
      std::exit(1);
    }
    const int bound = us_socket_local_port(0, reinterpret_cast<us_socket_t*>(listening));
    std::printf("uws: listening websocket http://127.0.0.1:%d/\nuws: ready\n", bound);
    std::fflush(stdout);
  });
  us_timer_t* stopPoll = us_create_timer(reinterpret_cast<us_loop_t*>(uWS::Loop::get()), 0, 0);
  us_timer_set(stopPoll, pollForStop, 50, 50);
  server.run();
  std::printf("uws: stopped\n");
  return 0;
}
