// tanh and sigmoid as branch-free rational approximations (max abs error ~4e-7, exact ±1 in the
// tails), written so the compiler vectorizes the gate loops; libm's tanhf would be ~10x slower there.
#pragma once

namespace drumrnn {

inline float fast_tanh(float x) {
  // Odd rational minimax approximation on [-7.905, 7.905]; beyond that tanh(x) rounds to ±1 in float.
  constexpr float kClamp = 7.90531110763549805f;
  x = x < -kClamp ? -kClamp : (x > kClamp ? kClamp : x);
  const float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * x;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return p / q;
}

inline float fast_sigmoid(float x) { return 0.5f + 0.5f * fast_tanh(0.5f * x); }

// e^x for x <= 0 (softmax after subtracting the max): Cephes' polynomial on the reduced argument,
// scaled by 2^n through the exponent bits. Relative error ~2e-7; underflows to 0 below -87.
// The argument is clamped into [-87, 88] before the float-to-int conversion, which is undefined for
// NaN and out-of-range values; a NaN is carried around it and returned (NaN in, NaN out), so a diverged
// training loss stays NaN. Still branch-free (selects), so the softmax loops vectorize.
inline float fast_exp_nonpositive(float x) {
  const bool is_nan = x != x;
  float xc = x < -87.0f ? -87.0f : x;
  xc = xc > 88.0f ? 88.0f : xc;
  xc = is_nan ? 0.0f : xc;
  const float n = __builtin_floorf(xc * 1.44269504088896341f + 0.5f);
  const float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int bits = (static_cast<int>(n) + 127) << 23;
  float scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  const float result = p * scale;
  return is_nan ? x : result;
}

}  // namespace drumrnn
