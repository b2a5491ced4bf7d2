#include "spread/transport/stream_endpoint.h"

#include <algorithm>

namespace spread::transport {

bool StreamEndpoints::add(std::shared_ptr<StreamEndpoint> endpoint) {
  std::lock_guard lock(mutex_);
  const std::string_view path = endpoint->path();
  if (std::any_of(endpoints_.begin(), endpoints_.end(), [&](const auto& known) { return known->path() == path; })) {
    return false;
  }
  endpoints_.push_back(std::move(endpoint));
  return true;
}

void StreamEndpoints::remove(std::string_view path) {
  std::lock_guard lock(mutex_);
  std::erase_if(endpoints_, [&](const auto& known) { return known->path() == path; });
}

std::shared_ptr<StreamEndpoint> StreamEndpoints::find(std::string_view path) const {
  std::lock_guard lock(mutex_);
  for (const auto& known : endpoints_) {
    if (known->path() == path) return known;
  }
  return nullptr;
}

}  // namespace spread::transport
