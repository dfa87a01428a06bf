// y[n] += x[k] · W[k, n] with W stored as IEEE half floats (row-major [k, n]): the live generator's
// matrix-vector products. At batch 1 a step is bound by reading the weights (5.8 MB in float32 for
// [256,256,256], more than L2), so halving the bytes halves the step. The float32 BLAS path stays
// the reference (ml/lstm.cpp) and tests compare the two.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ml/half_float.h"  // half_to_float, float_to_half

namespace drumrnn {

std::vector<uint16_t> to_half(const float* w, size_t n);  // round to nearest even

// y[0..n) += Σ_i x[i] · W[i, 0..n), W half [k, n] row-major. AVX2/F16C when the CPU has them (x86-64),
// a portable loop otherwise.
void half_gemv_accumulate(const uint16_t* W, const float* x, int k, int n, float* y);

}  // namespace drumrnn
