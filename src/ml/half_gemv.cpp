#include "ml/half_gemv.h"

#include <cstring>
#include <immintrin.h>

namespace drumrnn {

std::vector<uint16_t> to_half(const float* w, size_t n) {
  std::vector<uint16_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    // Round-to-nearest-even float32 -> float16 (weights are finite and well inside half's range).
    uint32_t f;
    std::memcpy(&f, &w[i], 4);
    const uint32_t sign = (f >> 16) & 0x8000u;
    int32_t exp = int32_t((f >> 23) & 0xFF) - 127 + 15;
    uint32_t mant = f & 0x7FFFFFu;
    uint16_t h;
    if (exp >= 31) {
      h = uint16_t(sign | 0x7C00u);  // overflow -> inf
    } else if (exp <= 0) {
      if (exp < -10) {
        h = uint16_t(sign);
      } else {  // subnormal
        mant |= 0x800000u;
        const int shift = 14 - exp;
        uint32_t v = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (v & 1))) ++v;
        h = uint16_t(sign | v);
      }
    } else {
      uint32_t v = (uint32_t(exp) << 10) | (mant >> 13);
      const uint32_t rem = mant & 0x1FFFu;
      if (rem > 0x1000u || (rem == 0x1000u && (v & 1))) ++v;  // may carry into the exponent: correct
      h = uint16_t(sign | v);
    }
    out[i] = h;
  }
  return out;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FFu;
  uint32_t f;
  if (exp == 0) {
    if (mant == 0) {
      f = sign;
    } else {  // subnormal: normalize
      int e = -1;
      uint32_t m = mant;
      do {
        ++e;
        m <<= 1;
      } while (!(m & 0x400u));
      f = sign | (uint32_t(127 - 15 - e) << 23) | ((m & 0x3FFu) << 13);
    }
  } else if (exp == 31) {
    f = sign | 0x7F800000u | (mant << 13);
  } else {
    f = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float out;
  std::memcpy(&out, &f, 4);
  return out;
}

namespace {

__attribute__((target("avx2,fma,f16c"))) void gemv_f16c(const uint16_t* W, const float* x, int k, int n, float* y) {
  // Four weight rows per pass over y, so y's loads and stores are shared by four FMAs.
  int i = 0;
  for (; i + 4 <= k; i += 4) {
    const __m256 x0 = _mm256_set1_ps(x[i]), x1 = _mm256_set1_ps(x[i + 1]);
    const __m256 x2 = _mm256_set1_ps(x[i + 2]), x3 = _mm256_set1_ps(x[i + 3]);
    const uint16_t* w0 = W + size_t(i) * n;
    for (int j = 0; j + 8 <= n; j += 8) {
      __m256 acc = _mm256_loadu_ps(y + j);
      acc = _mm256_fmadd_ps(x0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + j))), acc);
      acc = _mm256_fmadd_ps(x1, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + n + j))), acc);
      acc = _mm256_fmadd_ps(x2, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + 2 * size_t(n) + j))), acc);
      acc = _mm256_fmadd_ps(x3, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + 3 * size_t(n) + j))), acc);
      _mm256_storeu_ps(y + j, acc);
    }
  }
  for (; i < k; ++i) {
    const __m256 xi = _mm256_set1_ps(x[i]);
    const uint16_t* w = W + size_t(i) * n;
    for (int j = 0; j + 8 <= n; j += 8)
      _mm256_storeu_ps(y + j, _mm256_fmadd_ps(xi, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w + j))),
                                              _mm256_loadu_ps(y + j)));
  }
}

void gemv_portable(const uint16_t* W, const float* x, int k, int n, float* y) {
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < n; ++j) y[j] += x[i] * half_to_float(W[size_t(i) * n + j]);
}

}  // namespace

void half_gemv_accumulate(const uint16_t* W, const float* x, int k, int n, float* y) {
  static const bool fast = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                           __builtin_cpu_supports("f16c");
  if (fast && n % 8 == 0) gemv_f16c(W, x, k, n, y);
  else gemv_portable(W, x, k, n, y);
}

}  // namespace drumrnn
