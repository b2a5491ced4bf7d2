#pragma once

#include <string>
#include <utility>
#include <variant>

namespace spread::core {

/// Why bytes could not be decoded: which field, and what is wrong with it. `field` is
/// empty when the problem is with the document as a whole.
struct CodecError {
  std::string field;
  std::string problem;

  /// "field 'msg': must not be empty", or just the problem when no field is involved.
  std::string message() const;
};

/// The value decoded, or why not.
template <class T>
class Decoded {
 public:
  Decoded(T value) : state_(std::move(value)) {}           // NOLINT: implicit by design
  Decoded(CodecError error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  const T& value() const { return std::get<T>(state_); }
  T& value() { return std::get<T>(state_); }
  const CodecError& error() const { return std::get<CodecError>(state_); }

 private:
  std::variant<T, CodecError> state_;
};

/// A codec for T provides, as static functions:
///   std::string encode(const T&);
///   Decoded<T> decode(std::string_view bytes);
template <class T>
struct CodecFor;

}  // namespace spread::core
