#include "redis_link_options.h"

namespace spread::plugins::redis {

std::string validateOptions(const RedisLinkOptions& options) {
  if (options.host.empty()) return "host is empty";
  if (options.port < 1 || options.port > 65535) {
    return "port " + std::to_string(options.port) + " is not between 1 and 65535";
  }
  if (options.db < 0) return "db " + std::to_string(options.db) + " is negative";
  if (options.connectTimeout.count() <= 0) return "connectTimeout must be positive";
  if (options.commandTimeout.count() <= 0) return "commandTimeout must be positive";
  if (options.heartbeatInterval.count() <= 0) return "heartbeatInterval must be positive";
  if (options.backoffMin.count() <= 0) return "backoffMin must be positive";
  if (options.backoffMax < options.backoffMin) return "backoffMax is smaller than backoffMin";
  if (options.pendingCommandsMax == 0) return "pendingCommandsMax must be at least 1";
  if (options.replyBytesMax < 1024) return "replyBytesMax must be at least 1024";
  return "";
}

}  // namespace spread::plugins::redis
