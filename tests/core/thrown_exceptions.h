#pragma once

// Counts the C++ exceptions thrown anywhere in a test binary that links
// thrown_exceptions.cpp, including ones a catch-all swallows at once. A test that must
// prove code took no detour through a throw reads the count before and after.
#include <cstddef>

namespace spread::core::test {

/// Exceptions thrown so far by any thread of this process, from any library.
std::size_t exceptionsThrown();

}  // namespace spread::core::test
