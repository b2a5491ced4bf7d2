#include "spread/transport/random_bytes.h"

#include <sys/random.h>

#include <cerrno>
#include <random>

namespace spread::transport {

void fillRandom(unsigned char* bytes, std::size_t size) {
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = getrandom(bytes + filled, size - filled, 0);
    if (got >= 0) {
      filled += static_cast<std::size_t>(got);
    } else if (errno != EINTR) {
      // No getrandom (a kernel before 3.17): the library's device, which reads the same pool.
      std::random_device device;
      for (; filled < size; ++filled) bytes[filled] = static_cast<unsigned char>(device());
    }
  }
}

}  // namespace spread::transport
