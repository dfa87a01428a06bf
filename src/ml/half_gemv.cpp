#include "ml/half_gemv.h"

#include "ml/half_float.h"
#include "ml/simd_dispatch.h"

#if DRUMRNN_X86_SIMD
#include <immintrin.h>
#endif

namespace drumrnn {

std::vector<uint16_t> to_half(const float* w, size_t n) {
  std::vector<uint16_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = float_to_half(w[i]);
  return out;
}

namespace {

#if DRUMRNN_X86_SIMD
__attribute__((target("avx2,fma,f16c"))) void gemv_f16c(const uint16_t* W, const float* x, int k, int n, float* y) {
  // Four weight rows per pass over y, so y's loads and stores are shared by four FMAs. The last n % 8
  // columns (attention's input projection is 518 wide) take scalar F16C conversions.
  const int n8 = n & ~7;
  int i = 0;
  for (; i + 4 <= k; i += 4) {
    const __m256 x0 = _mm256_set1_ps(x[i]), x1 = _mm256_set1_ps(x[i + 1]);
    const __m256 x2 = _mm256_set1_ps(x[i + 2]), x3 = _mm256_set1_ps(x[i + 3]);
    const uint16_t* w0 = W + size_t(i) * n;
    for (int j = 0; j < n8; j += 8) {
      __m256 acc = _mm256_loadu_ps(y + j);
      acc = _mm256_fmadd_ps(x0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + j))), acc);
      acc = _mm256_fmadd_ps(x1, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + n + j))), acc);
      acc = _mm256_fmadd_ps(x2, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + 2 * size_t(n) + j))), acc);
      acc = _mm256_fmadd_ps(x3, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w0 + 3 * size_t(n) + j))), acc);
      _mm256_storeu_ps(y + j, acc);
    }
    for (int j = n8; j < n; ++j)
      y[j] += x[i] * _cvtsh_ss(w0[j]) + x[i + 1] * _cvtsh_ss(w0[n + j]) + x[i + 2] * _cvtsh_ss(w0[2 * size_t(n) + j]) +
              x[i + 3] * _cvtsh_ss(w0[3 * size_t(n) + j]);
  }
  for (; i < k; ++i) {
    const __m256 xi = _mm256_set1_ps(x[i]);
    const uint16_t* w = W + size_t(i) * n;
    for (int j = 0; j < n8; j += 8)
      _mm256_storeu_ps(y + j, _mm256_fmadd_ps(xi, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(w + j))),
                                              _mm256_loadu_ps(y + j)));
    for (int j = n8; j < n; ++j) y[j] += x[i] * _cvtsh_ss(w[j]);
  }
}

bool cpu_has_f16c() {
  __builtin_cpu_init();  // needed when this runs from a static initializer, before libgcc's own
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

// Decided once while the program loads, not in a function-local static: the first real-time step must
// not take a static's guard.
const bool kHaveF16c = cpu_has_f16c();
#endif

void gemv_portable(const uint16_t* W, const float* x, int k, int n, float* y) {
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < n; ++j) y[j] += x[i] * half_to_float(W[size_t(i) * n + j]);
}

}  // namespace

void half_gemv_accumulate(const uint16_t* W, const float* x, int k, int n, float* y) {
#if DRUMRNN_X86_SIMD
  if (kHaveF16c) {
    gemv_f16c(W, x, k, n, y);
    return;
  }
#endif
  gemv_portable(W, x, k, n, y);
}

}  // namespace drumrnn
