#pragma once

#include <cstddef>
#include <string>

#include <hiredis/hiredis.h>

namespace spread::plugins::redis {

/// Screens every reply a server sends before hiredis 0.14 dispatches it. hiredis asserts
/// (aborting the process) on two kinds of input a broken or hostile server can send: a
/// reply no command is waiting for on a connection that is not subscribed, and a pub/sub
/// message whose first elements are not bulk strings (or an unsubscribe without its count).
/// The guard wraps hiredis' reply builders; refusing an object makes hiredis' parser fail,
/// which closes the connection through its ordinary error path, and `refusal` says why.
///
/// One guard per hiredis context, installed right after the connect; all on the loop thread.
class ReplyGuard {
 public:
  /// Wraps `context`'s reader. The guard must outlive the context.
  void install(redisContext* context);

  /// A command whose reply hiredis queues in order was sent (everything but (UN)SUBSCRIBE).
  void expectReply() { ++repliesOwed_; }

  /// Why the last refused reply was refused; empty when none was.
  const std::string& refusal() const { return refusal_; }

 private:
  friend struct ReplyGuardHooks;

  bool admitRoot(int type, long long elements, const char* text, std::size_t length);
  bool admitChild(const redisReadTask& task, const char* text, std::size_t length);
  bool refuse(std::string why);

  redisReplyObjectFunctions* inner_ = nullptr;
  const redisContext* context_ = nullptr;
  std::size_t repliesOwed_ = 0;
  // The root being read is a pub/sub message whose first three elements are checked.
  bool checkingPush_ = false;
  bool pushIsUnsubscribe_ = false;
  std::string refusal_;
};

}  // namespace spread::plugins::redis
