#pragma once

#include <cstddef>

namespace spread::transport {

/// Fills `bytes` from the kernel's randomness (getrandom), falling back to
/// std::random_device where the kernel lacks it. For keys and ids that must not be guessed.
void fillRandom(unsigned char* bytes, std::size_t size);

}  // namespace spread::transport
