#include <string>

#include "spread/transport/chat_codec.h"
#include "spread/transport/presence.h"

namespace spread::transport {

namespace {

void appendMember(std::string& out, const PresenceMember& member) {
  out += R"({"id":)";
  appendJsonString(out, member.id);
  out += R"(,"name":)";
  appendJsonString(out, member.name);
  out += '}';
}

void appendMembers(std::string& out, const PresenceList& list) {
  out += R"("members":[)";
  for (std::size_t i = 0; i < list.members.size(); ++i) {
    if (i > 0) out += ',';
    appendMember(out, list.members[i]);
  }
  out += R"(],"truncated":)";
  out += list.truncated ? "true" : "false";
}

}  // namespace

std::string presenceEventJson(std::string_view kind, const PresenceMember& member) {
  std::string out = R"({"presence":)";
  appendJsonString(out, kind);
  out += R"(,"id":)";
  appendJsonString(out, member.id);
  out += R"(,"name":)";
  appendJsonString(out, member.name);
  out += '}';
  return out;
}

std::string presenceMembersJson(const PresenceList& list, std::string_view selfId) {
  std::string out = R"({"presence":"members","self":)";
  appendJsonString(out, selfId);
  out += R"(,"count":)";
  out += std::to_string(list.count);
  out += ',';
  appendMembers(out, list);
  out += '}';
  return out;
}

std::string presenceAnswerJson(std::string_view topic, const PresenceList& list) {
  std::string out = R"({"topic":)";
  appendJsonString(out, topic);
  out += R"(,"count":)";
  out += std::to_string(list.count);
  out += ',';
  appendMembers(out, list);
  out += '}';
  return out;
}

}  // namespace spread::transport
