#include "logged_backplane.h"

namespace spread::daemon {

LoggedBackplane::LoggedBackplane(core::Backplane& inner, std::string engine, std::string server, Poco::Logger& logger)
    : inner_(inner), engine_(std::move(engine)), server_(std::move(server)), logger_(logger) {}

void LoggedBackplane::start(core::BackplaneListener& listener) {
  listener_ = &listener;
  inner_.start(*this);
}

void LoggedBackplane::onAvailability(bool available, std::string problem) {
  // The backplane reports each new cause while it is down; one line per change of state is
  // what an operator needs, and it cannot flood the log while Redis stays away.
  if (available_ != available) {
    if (available) {
      logger_.information("engine " + engine_ + ": connected to " + server_);
    } else if (available_.has_value()) {
      logger_.warning("engine " + engine_ + ": lost " + problem + "; publishes answer 503 until it is back");
    } else {
      logger_.warning("engine " + engine_ + ": cannot reach " + problem + "; publishes answer 503 until it can");
    }
    available_ = available;
  }
  listener_->onAvailability(available, std::move(problem));
}

}  // namespace spread::daemon
