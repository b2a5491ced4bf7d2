#include "spread/client/publisher.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/Socket.h>
#include <Poco/NumberParser.h>
#include <Poco/Timespan.h>

#include <mutex>
#include <sstream>

#include "http_answer.h"
#include "option_checks.h"

namespace spread::client {

namespace {

Poco::Timespan timespan(std::chrono::milliseconds duration) {
  return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(duration).count());
}

std::string publishBody(std::string_view name, std::string_view msg) {
  Poco::JSON::Object body;
  if (!name.empty()) body.set("name", std::string(name));
  body.set("msg", std::string(msg));
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

std::string publishPath(std::string_view topic) {
  // Topic names are [A-Za-z0-9._-] on the server; anything else is sent escaped and refused
  // there with a 400 naming the topic, rather than judged twice.
  return topic.empty() ? "/publish" : "/publish?topic=" + escapeQueryValue(topic);
}

}  // namespace

class Publisher::Connection {
 public:
  explicit Connection(PublisherOptions options) : options_(std::move(options)) {}

  PublishResult publish(std::string_view name, std::string_view msg, std::string_view topic) {
    const std::string body = publishBody(name, msg);
    const std::string path = publishPath(topic);
    std::lock_guard lock(mutex_);
    for (int attempt = 0;; ++attempt) {
      const bool reused = dropIfClosedByServer();
      try {
        return exchange(path, body);
      } catch (const Poco::Net::NoMessageException& e) {
        // The server closed a kept-alive connection just as this request went out, before
        // answering a byte of it: send it once more, on a new connection.
        session_.reset();
        if (!reused || attempt > 0) return failure(e);
      } catch (const Poco::Net::ConnectionResetException& e) {
        session_.reset();
        if (!reused || attempt > 0) return failure(e);
      } catch (const Poco::Exception& e) {
        session_.reset();
        return failure(e);
      }
    }
  }

  void setToken(std::string token) {
    std::lock_guard lock(mutex_);
    options_.token = std::move(token);
  }

  const PublisherOptions& options() const { return options_; }

 private:
  // Opens the session if there is none. A connection the server has closed since the last
  // answer reads as readable (end of stream) while no request is outstanding; it is replaced
  // here, before a request is written into it. Returns whether an open connection is reused.
  bool dropIfClosedByServer() {
    if (session_ && session_->connected()) {
      bool closed = true;
      try {
        closed = session_->socket().poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ);
      } catch (const Poco::Exception&) {
      }
      if (!closed) return true;
      session_.reset();
    }
    if (!session_) {
      session_ = std::make_unique<Poco::Net::HTTPClientSession>(options_.host, options_.port);
      session_->setKeepAlive(true);
      session_->setTimeout(timespan(options_.connectTimeout), timespan(options_.requestTimeout),
                           timespan(options_.requestTimeout));
      session_->setKeepAliveTimeout(timespan(options_.keepAliveIdleMax));
    }
    return false;
  }

  PublishResult exchange(const std::string& path, const std::string& body) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.setKeepAlive(true);
    if (!options_.token.empty()) request.set("Authorization", "Bearer " + options_.token);
    session_->sendRequest(request) << body;

    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    HttpAnswer answer = readAnswer(in);
    // An answer longer than what is read of it leaves bytes in the connection that would be
    // taken for the next answer, so such a connection is not reused.
    if (!answer.complete || !response.getKeepAlive()) session_.reset();

    PublishResult result;
    result.status = static_cast<int>(response.getStatus());
    if (!result.ok()) {
      result.error = answer.error.empty() ? response.getReason() : answer.error;
      result.field = answer.field;
    }
    if (response.has("Retry-After")) {
      unsigned seconds = 0;
      if (Poco::NumberParser::tryParseUnsigned(response.get("Retry-After"), seconds)) {
        result.retryAfter = std::chrono::seconds(seconds);
      }
    }
    return result;
  }

  PublishResult failure(const Poco::Exception& e) const {
    PublishResult result;
    result.error = "no answer from " + options_.host + ":" + std::to_string(options_.port) + ": " + e.displayText();
    return result;
  }

  std::mutex mutex_;
  PublisherOptions options_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

Publisher::Publisher(PublisherOptions options) {
  const std::string owner = "PublisherOptions";
  requireEndpoint(options.host, options.port, owner);
  requirePositive(options.connectTimeout, owner, "connectTimeout");
  requirePositive(options.requestTimeout, owner, "requestTimeout");
  requirePositive(options.keepAliveIdleMax, owner, "keepAliveIdleMax");
  connection_ = std::make_unique<Connection>(std::move(options));
}

Publisher::~Publisher() = default;

PublishResult Publisher::publish(std::string_view name, std::string_view msg, std::string_view topic) {
  return connection_->publish(name, msg, topic);
}

void Publisher::setToken(std::string token) { connection_->setToken(std::move(token)); }

}  // namespace spread::client
