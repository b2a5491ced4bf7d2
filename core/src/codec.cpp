#include "spread/core/codec.h"

namespace spread::core {

std::string CodecError::message() const {
  if (field.empty()) return problem;
  return "field '" + field + "': " + problem;
}

}  // namespace spread::core
