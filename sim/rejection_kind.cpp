#include "rejection_kind.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace spread::sim {

namespace {

constexpr std::array<std::string_view, kRejectionKinds> kNames{
    "bad_request", "bad_topic", "busy", "draining", "rate_limited", "unauthorized", "forbidden", "unavailable",
    "unknown"};

// The error and field of {"error":"…","field":"…"}, or nothing for any other text.
std::optional<std::pair<std::string, std::string>> errorAndField(std::string_view text) {
  try {
    Poco::JSON::Parser parser;
    const Poco::Dynamic::Var parsed = parser.parse(std::string(text));
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return std::nullopt;
    const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
    if (!object->has("error") || !object->get("error").isString()) return std::nullopt;
    const std::string field = object->has("field") ? object->getValue<std::string>("field") : std::string();
    return std::pair{object->getValue<std::string>("error"), field};
  } catch (const Poco::Exception&) {
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string_view toString(RejectionKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kNames.size() ? kNames[index] : "?";
}

std::optional<RejectionKind> rejectionKindNamed(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name && static_cast<RejectionKind>(i) != RejectionKind::kUnknown)
      return static_cast<RejectionKind>(i);
  }
  return std::nullopt;
}

std::string rejectionKindNames() {
  std::string out;
  const std::size_t named = static_cast<std::size_t>(RejectionKind::kUnknown);
  for (std::size_t i = 0; i < named; ++i) {
    out += (i == 0 ? "" : i + 1 == named ? " or " : ", ") + std::string(kNames[i]);
  }
  return out;
}

RejectionKind rejectionKindOf(transport::PublishResult::Status status) {
  using Status = transport::PublishResult::Status;
  switch (status) {
    case Status::kBadRequest: return RejectionKind::kBadRequest;
    case Status::kBadTopic: return RejectionKind::kBadTopic;
    case Status::kBusy: return RejectionKind::kBusy;
    case Status::kDraining: return RejectionKind::kDraining;
    case Status::kUnauthorized: return RejectionKind::kUnauthorized;
    case Status::kForbidden: return RejectionKind::kForbidden;
    case Status::kUnavailable: return RejectionKind::kUnavailable;
    case Status::kAccepted: break;
  }
  return RejectionKind::kUnknown;
}

RejectionKind rejectionKindOfErrorFrame(std::string_view text) {
  // The sentences are those of transport/src/session.cpp and publish_service.cpp, and the
  // codec's; tests/sim/injected_bug_test.cpp provokes each kind a simulated client can
  // meet, so a reworded one shows up there as kUnknown.
  const auto parsed = errorAndField(text);
  if (!parsed) return RejectionKind::kUnknown;
  const auto& [error, field] = *parsed;
  if (field == "topic") return RejectionKind::kBadTopic;
  if (field == "token") {
    return error.starts_with("the fresh token was refused: ") ? RejectionKind::kUnauthorized
                                                              : RejectionKind::kForbidden;
  }
  if (field == "name" && error.find(" is not yours: your token names you ") != std::string::npos)
    return RejectionKind::kForbidden;
  if (field == "name" || field == "msg") return RejectionKind::kBadRequest;
  if (!field.empty()) return RejectionKind::kUnknown;
  if (error.starts_with("body ") || error.starts_with("malformed JSON: ")) return RejectionKind::kBadRequest;
  if (error == "the topic is busy; try again shortly" ||
      error == "too many of your messages are waiting for room in the topic; slow down")
    return RejectionKind::kBusy;
  if (error == "the server is shutting down" || error == "the topic is closed") return RejectionKind::kDraining;
  if (error.starts_with("the server cannot reach the other nodes")) return RejectionKind::kUnavailable;
  if (error == "too many publishes on this connection" || error == "too many publishes from this address")
    return RejectionKind::kRateLimited;
  return RejectionKind::kUnknown;
}

}  // namespace spread::sim
