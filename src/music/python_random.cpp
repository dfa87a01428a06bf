#include "music/python_random.h"

#include <vector>

namespace drumrnn {
namespace {

void init_genrand(std::array<uint32_t, 624>& mt, uint32_t s) {
  mt[0] = s;
  for (uint32_t i = 1; i < 624; ++i) mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i;
}

// CPython's init_by_array, fed the seed's 32-bit words, least significant first.
void init_by_array(std::array<uint32_t, 624>& mt, const std::vector<uint32_t>& key) {
  init_genrand(mt, 19650218u);
  uint32_t i = 1, j = 0;
  const uint32_t n = 624, len = static_cast<uint32_t>(key.size());
  for (uint32_t k = (n > len ? n : len); k; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + j;
    ++i;
    ++j;
    if (i >= n) {
      mt[0] = mt[n - 1];
      i = 1;
    }
    if (j >= len) j = 0;
  }
  for (uint32_t k = n - 1; k; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - i;
    ++i;
    if (i >= n) {
      mt[0] = mt[n - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000u;
}

}  // namespace

PythonRandom::PythonRandom(uint64_t seed) {
  std::vector<uint32_t> key;
  do {
    key.push_back(static_cast<uint32_t>(seed));
    seed >>= 32;
  } while (seed);
  init_by_array(mt_, key);
}

uint32_t PythonRandom::next_u32() {
  if (index_ >= 624) {
    for (int k = 0; k < 624; ++k) {
      const uint32_t y = (mt_[k] & 0x80000000u) | (mt_[(k + 1) % 624] & 0x7fffffffu);
      mt_[k] = mt_[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    index_ = 0;
  }
  uint32_t y = mt_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

double PythonRandom::random() {
  const uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

}  // namespace drumrnn
