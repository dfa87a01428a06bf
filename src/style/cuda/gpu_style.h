// The GPU twin of the style-transfer path: cuDNN convolution, cuBLAS Gram, L-BFGS with every vector
// on the device, cuFFT Griffin-Lim. Host code includes this header only (no CUDA types); it exists in
// builds with DRUMRNN_HAVE_CUDA. Layouts on the host side: a spectrogram is T frames × C bins,
// frame-major (x[t*C + c]); the weights are F × C × K (w[(f*C + c)*K + k]), cuDNN's KCRS with R = 1.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/job.h"

namespace drumrnn::style::gpu {

// Number of usable CUDA devices; `why_none` says why when it is 0.
int device_count(std::string& why_none);

struct NetworkShape {
  int channels = 1025;     // C: frequency bins
  int filters = 4096;      // F
  int kernel_width = 11;   // K
  float alpha = 4.0f;      // content weight
  bool allow_tf32 = false; // false pins CUDNN_FMA_MATH and cuBLAS pedantic FP32 (CPU parity)
};

struct StyleClip {
  const float* spectrogram;  // T × C log-magnitudes
  int frames;                // T (≥ kernel_width)
};

// L = α·Σ(A − Ac)² + Σ(G − Gs)², A = ReLU(conv(X)), G = AᵀA / T with T the variable's frame count,
// Gs the mean of each style clip's Gram divided by that clip's own frame count.
class StyleLoss {
 public:
  StyleLoss(const NetworkShape& shape, const float* weights, const StyleClip& content,
            const std::vector<StyleClip>& styles);
  ~StyleLoss();
  StyleLoss(const StyleLoss&) = delete;
  StyleLoss& operator=(const StyleLoss&) = delete;

  int frames() const;  // T of the content (and of the variable)
  // One evaluation through host memory (tests, and the CPU-vs-GPU check): x and grad are T × C.
  double evaluate(const float* x, float* grad);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// liblbfgs's parameters, with the style path's settings as defaults (m 10, 300 iterations, 20 line
// search steps, Moré–Thuente with ftol 1e-4 and gtol 0.9, epsilon 1e-5 on ‖g‖ / max(1, ‖x‖)).
struct LbfgsSettings {
  int memory = 10;
  int max_iterations = 300;
  int max_linesearch = 20;
  double epsilon = 1e-5;
  double ftol = 1e-4, gtol = 0.9, xtol = 1e-16;
  double min_step = 1e-20, max_step = 1e20;
};

struct LbfgsResult {
  double loss = 0;
  int iterations = 0, evaluations = 0;
  std::string stop;  // "iterations", "converged", "line search: ...", "cancelled"
};

// Minimises the loss over x (T × C, in and out) with the whole L-BFGS state on the device; per
// evaluation only the loss, gᵀd, ‖g‖² and ‖x‖² come back to the host (one 32-byte copy), for the line
// search's and the stopping test's decisions. Progress (iteration, loss) and cancel go through `job`.
LbfgsResult minimise(StyleLoss& loss, float* x, const LbfgsSettings& settings, JobObserver& job);

struct GriffinLimSettings {
  int n_fft = 2048;          // hop = n_fft / 4, periodic Hann, centred frames
  int iterations = 500;
  float momentum = 0.0f;     // 0: classic (Ulyanov's loop); 0.99: fast Griffin-Lim
  bool reflect_pad = true;   // librosa ≤ 0.8 'reflect'; false = zeros (librosa ≥ 0.9)
  uint64_t seed = 0;         // the initial phase, uniform in [−π, π)
};

// magnitude: T × (n_fft/2 + 1), frame-major. Returns hop·(T − 1) samples. Classic returns the last
// inverse STFT computed inside the loop (as the reference does); fast re-synthesises once after the
// last phase update (as librosa.griffinlim does).
std::vector<float> griffin_lim(const float* magnitude, int frames, const GriffinLimSettings& settings,
                               JobObserver& job);

// Single-precision STFT magnitudes of `signal` through cuFFT (the same framing Griffin-Lim uses),
// T × (n_fft/2 + 1); for the CPU-vs-GPU check.
std::vector<float> stft_magnitude(const float* signal, int length, int n_fft, bool reflect_pad);

}  // namespace drumrnn::style::gpu
