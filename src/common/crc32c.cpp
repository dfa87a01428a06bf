#include "common/crc32c.h"

#include <array>
#include <cstring>
#if defined(__x86_64__) && !defined(DRUMRNN_PORTABLE_ONLY)
#define DRUMRNN_CRC_SSE42 1
#include <nmmintrin.h>
#else
#define DRUMRNN_CRC_SSE42 0
#endif

namespace drumrnn {
namespace {

// Slicing-by-8 tables for CPUs without the SSE4.2 crc32 instruction.
struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};

uint32_t crc_table(const uint8_t* p, size_t n, uint32_t c) {
  static const Tables tab;
  const auto& t = tab.t;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    w ^= c;
    c = t[7][w & 0xFF] ^ t[6][(w >> 8) & 0xFF] ^ t[5][(w >> 16) & 0xFF] ^ t[4][(w >> 24) & 0xFF] ^
        t[3][(w >> 32) & 0xFF] ^ t[2][(w >> 40) & 0xFF] ^ t[1][(w >> 48) & 0xFF] ^ t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  return c;
}

#if DRUMRNN_CRC_SSE42
// Only this function is compiled for SSE4.2; the rest of the file (the table fallback) stays baseline
// x86-64 so it runs on any CPU.
__attribute__((target("sse4.2"))) uint32_t crc_sse42(const uint8_t* p, size_t n, uint32_t c) {
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c64 = _mm_crc32_u64(c64, w);
    p += 8;
    n -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (n--) c = _mm_crc32_u8(c, *p++);
  return c;
}

bool cpu_has_sse42() {
  __builtin_cpu_init();  // runs from a static initializer, maybe before libgcc's own
  return __builtin_cpu_supports("sse4.2");
}
const bool kHaveSse42 = cpu_has_sse42();
#endif

}  // namespace

uint32_t crc32c(const void* data, size_t size, uint32_t crc) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
#if DRUMRNN_CRC_SSE42
  c = kHaveSse42 ? crc_sse42(p, size, c) : crc_table(p, size, c);
#else
  c = crc_table(p, size, c);
#endif
  return ~c;
}

}  // namespace drumrnn
