// CRC32C (Castagnoli), as TFRecord framing uses it, plus TensorFlow's mask.
#pragma once
#include <cstddef>
#include <cstdint>

namespace drumrnn {

uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

// TensorFlow stores CRCs "masked" so that a CRC of data holding CRCs stays well distributed.
inline uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }
inline uint32_t crc32c_unmask(uint32_t masked) {
  uint32_t rot = masked - 0xA282EAD8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace drumrnn
