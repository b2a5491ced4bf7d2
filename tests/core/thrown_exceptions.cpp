#include "thrown_exceptions.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <typeinfo>

namespace {

std::atomic<std::size_t> thrown{0};

}  // namespace

namespace spread::core::test {

std::size_t exceptionsThrown() { return thrown.load(std::memory_order_relaxed); }

}  // namespace spread::core::test

// Every throw ends in the C++ ABI's __cxa_throw, which the shared libraries (libstdc++,
// libspread_core) reach through the dynamic linker. A definition in the executable comes
// first in its lookup order, so this one sees them all; RTLD_NEXT finds the runtime's own
// (or a sanitizer's wrapper of it), which does the throwing.
extern "C" [[noreturn]] void __cxa_throw(void* object, std::type_info* type, void (*destroy)(void*)) {
  thrown.fetch_add(1, std::memory_order_relaxed);
  using Throw = void (*)(void*, std::type_info*, void (*)(void*));
  static const auto next = reinterpret_cast<Throw>(::dlsym(RTLD_NEXT, "__cxa_throw"));
  if (next == nullptr) std::abort();
  next(object, type, destroy);
  std::abort();  // the runtime's __cxa_throw does not return
}
