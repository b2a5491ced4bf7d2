#pragma once

#include <optional>
#include <string>

#include "spread/core/time.h"
#include "spread/transport/auth/topic_patterns.h"

namespace spread::transport::auth {

/// What a verified token lets its holder do.
struct Grant {
  std::string subject;       // the token's `sub`: the name its holder's messages carry
  TopicPatterns subscribe;   // the token's `subscribe` claim
  TopicPatterns publish;     // the token's `publish` claim
  /// How long the token stays valid from the moment it was checked (its `exp`, with the
  /// configured leeway); nullopt for a token without `exp`, or with one over 100 years away.
  std::optional<core::Duration> validFor;
};

}  // namespace spread::transport::auth
