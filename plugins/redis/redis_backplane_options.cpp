#include "redis_backplane_options.h"

namespace spread::plugins::redis {

std::string validateBackplaneOptions(const RedisBackplaneOptions& options) {
  if (std::string problem = validateOptions(options.link); !problem.empty()) return problem;
  // A brace in the prefix would move the Redis Cluster hash tag off the topic's name.
  if (options.prefix.find_first_of("{}") != std::string::npos) return "prefix must not contain '{' or '}'";
  if (options.historyTtl.count() < 0) return "historyTtl is negative";
  return {};
}

}  // namespace spread::plugins::redis
