// IEEE half-float <-> float conversion, the one converter the project uses (the live generator's
// half weights, safetensors F16 tensors). The compiler's _Float16 does it: F16C instructions where the
// target has them, ARM's native fcvt, GCC's libgcc routine on plain SSE2. Round to nearest even;
// every half value, subnormals and infinities included, converts to float and back unchanged.
#pragma once
#include <bit>
#include <cstdint>

#if !defined(__FLT16_MAX__)
#error "drumrnn needs a compiler with _Float16 (GCC >= 12 or Clang >= 15 on x86-64, any recent on ARM64)"
#endif

namespace drumrnn {

inline uint16_t float_to_half(float f) { return std::bit_cast<uint16_t>(static_cast<_Float16>(f)); }
inline float half_to_float(uint16_t h) { return static_cast<float>(std::bit_cast<_Float16>(h)); }

}  // namespace drumrnn
