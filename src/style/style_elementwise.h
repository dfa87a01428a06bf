// The per-element work of the style-transfer kernels, written once for both sides: the CUDA kernels in
// style/cuda/ call these for each element, and the CPU tests call the same functions, so a kernel's
// arithmetic is tested on a machine without a GPU.
#pragma once
#include <cmath>

#if defined(__CUDACC__)
#define DRUMRNN_HD __host__ __device__ inline
#else
#define DRUMRNN_HD inline
#endif

namespace drumrnn::style {

// Feature A = max(Z, 0). TF's ReLU gradient is 0 at exactly 0, so the mask is Z > 0.
DRUMRNN_HD float relu(float z) { return z > 0.0f ? z : 0.0f; }
DRUMRNN_HD float relu_mask(float z, float upstream) { return z > 0.0f ? upstream : 0.0f; }

// Content term α·(A − Ac)²: its share of the loss and dL/dA (2α(A − Ac)).
DRUMRNN_HD float content_loss_term(float a, float target, float alpha) {
  const float d = a - target;
  return alpha * d * d;
}
DRUMRNN_HD float content_grad_term(float a, float target, float alpha) { return 2.0f * alpha * (a - target); }

// Style term (G − Gs)² per Gram entry; the gradient's Gram factor E = G − Gs (times 4/N in the GEMM).
DRUMRNN_HD float gram_diff(float g, float target) { return g - target; }
DRUMRNN_HD float style_loss_term(float g, float target) {
  const float d = g - target;
  return d * d;
}

// Periodic Hann, w[n] = 0.5 − 0.5·cos(2πn/N) (librosa's 'hann', fftbins=True).
DRUMRNN_HD float hann_periodic(int n, int size) {
  return 0.5f - 0.5f * cosf(6.283185307179586f * float(n) / float(size));
}

// The centred STFT's padded sample `i` (0 ≤ i < len + n_fft) of a signal y of length len:
// reflect (NumPy 'reflect', mirror without repeating the edge: pad[−k] = y[k]) or zeros.
DRUMRNN_HD int reflect_index(int i, int len) {
  if (len == 1) return 0;
  const int period = 2 * (len - 1);
  int m = i % period;
  if (m < 0) m += period;
  return m < len ? m : period - m;
}
DRUMRNN_HD float padded_sample(const float* y, int len, int i, int half, bool reflect) {
  const int j = i - half;
  if (j >= 0 && j < len) return y[j];
  if (!reflect) return 0.0f;
  return y[reflect_index(j, len)];
}

// The inverse STFT's closed form at output sample n (librosa, center=True): overlap-add of the windowed
// inverse frames divided by the window's sum-square envelope. `frames` holds T real frames of n_fft
// samples, already divided by n_fft (C2R is unnormalised). Gathers instead of scattering, so no atomics.
DRUMRNN_HD float istft_sample(const float* frames, int n_frames, int n_fft, int hop, int n) {
  const int padded = n + n_fft / 2;
  int t_hi = padded / hop;
  if (t_hi > n_frames - 1) t_hi = n_frames - 1;
  int t_lo = (padded - n_fft) / hop + 1;
  if (padded - n_fft < 0) t_lo = 0;
  float sum = 0.0f, env = 0.0f;
  for (int t = t_lo; t <= t_hi; ++t) {
    const int m = padded - t * hop;
    if (m < 0 || m >= n_fft) continue;
    const float w = hann_periodic(m, n_fft);
    sum += w * frames[t * n_fft + m];
    env += w * w;
  }
  return env > 1.1754944e-38f ? sum / env : sum;
}

// Fast Griffin-Lim (Perraudin et al.; librosa.griffinlim): the new phase direction R − β·R_prev with
// β = momentum / (1 + momentum), normalised to unit modulus and scaled by the target magnitude.
// momentum 0 is the classic loop (the phase of R). Writes the new spectrum value and R into prev.
struct Complex {
  float re, im;
};
DRUMRNN_HD Complex griffin_lim_update(Complex r, Complex& prev, float magnitude, float momentum) {
  const float beta = momentum / (1.0f + momentum);
  const float re = r.re - beta * prev.re, im = r.im - beta * prev.im;
  prev = r;
  const float norm = sqrtf(re * re + im * im) + 1.1754944e-38f;
  return {magnitude * re / norm, magnitude * im / norm};
}

// log1p compression of a magnitude, and its inverse exp(x) − 1 clamped at 0 (a negative magnitude
// would only be a phase flip to Griffin-Lim; the clamp is documented in the README).
DRUMRNN_HD float log_magnitude(Complex s) { return log1pf(sqrtf(s.re * s.re + s.im * s.im)); }
DRUMRNN_HD float magnitude_from_log(float x) {
  const float m = expm1f(x);
  return m > 0.0f ? m : 0.0f;
}

// L-BFGS vector updates (double, as liblbfgs keeps its state).
DRUMRNN_HD double axpy_term(double y, double a, double x) { return y + a * x; }

}  // namespace drumrnn::style
