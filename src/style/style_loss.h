// The style-transfer loss on the CPU (BLAS), the reference for style/cuda/style_loss.cu:
//   A = ReLU(conv(X, W)), L = α·Σ(A − Ac)² + Σ(G − Gs)², G = AᵀA / T,
// X the variable log-spectrogram (T frames × C bins, frame-major), W F filters of C × K ("valid"
// cross-correlation, no bias), Ac the content's features, Gs the mean over the style clips of each
// clip's Gram divided by that clip's own frame count (so style and content lengths may differ).
// The convolution is one GEMM over an im2col copy of X (each row is K·C contiguous floats of X), its
// input gradient one GEMM and a col2im sum; the Gram is a SYRK, its gradient a GEMM.
#pragma once
#include <cstdint>
#include <vector>

namespace drumrnn::style {

struct NetworkShape {
  int channels = 1025;    // C: frequency bins
  int filters = 4096;     // F
  int kernel_width = 11;  // K
  float alpha = 4.0f;     // content weight (the seed's)
};

struct SpectrogramView {
  const float* data;  // T × C log-magnitudes
  int frames;         // T (≥ kernel_width)
};

// The random network's weights, F × C × K (w[(f·C + c)·K + k], cuDNN's KCRS with R = 1): i.i.d.
// normal with std √2·√(2/((C + F)·K)), from `seed`.
std::vector<float> random_filters(const NetworkShape& shape, uint64_t seed);

class CpuStyleLoss {
 public:
  // Throws std::invalid_argument when a clip is shorter than the kernel or the shape is absurd.
  CpuStyleLoss(const NetworkShape& shape, const std::vector<float>& weights, SpectrogramView content,
               const std::vector<SpectrogramView>& styles);

  int frames() const { return frames_; }
  const NetworkShape& shape() const { return shape_; }
  // L(x) and dL/dx (both T × C).
  double evaluate(const float* x, float* grad);
  // The two terms of the latest evaluate().
  double content_term() const { return content_term_; }
  double style_term() const { return style_term_; }
  // Seconds spent in each stage over all evaluate() calls, for the benchmark's table.
  struct StageSeconds {
    double conv = 0, gram = 0, gram_grad = 0, conv_grad = 0, elementwise = 0;
  };
  const StageSeconds& stage_seconds() const { return stages_; }

  // ‖G(x) − Gs‖_F for any T' × C spectrogram of at least K frames: the style distance tests compare.
  double gram_distance(SpectrogramView x);

 private:
  // A = ReLU(conv(x)), T' × F (T' = frames − K + 1).
  void features(const float* x, int frames, std::vector<float>& a);

  NetworkShape shape_;
  int frames_ = 0, out_frames_ = 0;  // T and T' = T − K + 1 of the variable
  std::vector<float> wcol_;          // (K·C) × F: row k·C + c holds W[·, c, k]
  std::vector<float> content_features_, style_gram_;  // T' × F; F × F (upper triangle)
  std::vector<float> col_, a_, da_, g_, dcol_;         // scratch, sized once
  double content_term_ = 0, style_term_ = 0;
  StageSeconds stages_;
};

}  // namespace drumrnn::style
