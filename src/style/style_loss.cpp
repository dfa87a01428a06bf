#include "style/style_loss.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "style/style_elementwise.h"

namespace drumrnn::style {

using Clock = std::chrono::steady_clock;

std::vector<float> random_filters(const NetworkShape& s, uint64_t seed) {
  std::vector<float> w(size_t(s.filters) * s.channels * s.kernel_width);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const float std_w = std::sqrt(2.0f) * std::sqrt(2.0f / float((s.channels + s.filters) * s.kernel_width));
  for (auto& v : w) v = normal(rng) * std_w;
  return w;
}

namespace {
// Copies the upper triangle of an n × n matrix onto its lower one, in 64 × 64 tiles (a plain
// column-order write strides 16 KB per element at n = 4096).
void mirror_upper(float* m, int n) {
  constexpr int kTile = 64;
  for (int bi = 0; bi < n; bi += kTile)
    for (int bj = bi; bj < n; bj += kTile)
      for (int i = bi; i < std::min(n, bi + kTile); ++i)
        for (int j = std::max(bj, i + 1); j < std::min(n, bj + kTile); ++j) m[size_t(j) * n + i] = m[size_t(i) * n + j];
}
}  // namespace

CpuStyleLoss::CpuStyleLoss(const NetworkShape& shape, const std::vector<float>& weights, SpectrogramView content,
                           const std::vector<SpectrogramView>& styles)
    : shape_(shape) {
  const int C = shape.channels, F = shape.filters, K = shape.kernel_width;
  if (C < 1 || F < 1 || K < 1 || F > 65536 || K > 1024) throw std::invalid_argument("style network: absurd shape");
  if (weights.size() != size_t(F) * C * K) throw std::invalid_argument("style network: weights are not F × C × K");
  if (styles.empty()) throw std::invalid_argument("style loss: no style clip");
  if (content.frames < K)
    throw std::invalid_argument("the content is " + std::to_string(content.frames) + " frames, shorter than the kernel (" +
                                std::to_string(K) + ")");
  frames_ = content.frames;
  out_frames_ = frames_ - K + 1;
  wcol_.resize(weights.size());
  for (int f = 0; f < F; ++f)
    for (int c = 0; c < C; ++c)
      for (int k = 0; k < K; ++k) wcol_[(size_t(k) * C + c) * F + f] = weights[(size_t(f) * C + c) * K + k];
  int longest = frames_;
  for (const auto& s : styles) longest = std::max(longest, s.frames);
  col_.reserve(size_t(longest - K + 1) * K * C);
  features(content.data, content.frames, content_features_);
  style_gram_.assign(size_t(F) * F, 0.0f);
  std::vector<float> a;
  for (const auto& s : styles) {
    if (s.frames < K)
      throw std::invalid_argument("a style clip is " + std::to_string(s.frames) + " frames, shorter than the kernel (" +
                                  std::to_string(K) + ")");
    features(s.data, s.frames, a);
    // Each clip's Gram over its own length; the clips' mean is the target.
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, F, s.frames - K + 1, float(1.0 / (double(s.frames) * styles.size())),
                a.data(), F, 1.0f, style_gram_.data(), F);
  }
  a_.resize(size_t(out_frames_) * F);
  da_.resize(a_.size());
  g_.resize(size_t(F) * F);
  dcol_.resize(size_t(out_frames_) * K * C);
}

void CpuStyleLoss::features(const float* x, int frames, std::vector<float>& a) {
  const int C = shape_.channels, F = shape_.filters, K = shape_.kernel_width, rows = frames - K + 1;
  // im2col: row t is X[t .. t+K−1] flattened, which is already contiguous in X.
  col_.resize(size_t(rows) * K * C);
  for (int t = 0; t < rows; ++t) std::copy_n(x + size_t(t) * C, size_t(K) * C, col_.data() + size_t(t) * K * C);
  a.resize(size_t(rows) * F);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, F, K * C, 1.0f, col_.data(), K * C, wcol_.data(), F,
              0.0f, a.data(), F);
  for (auto& v : a) v = relu(v);
}

double CpuStyleLoss::evaluate(const float* x, float* grad) {
  const int C = shape_.channels, F = shape_.filters, K = shape_.kernel_width, rows = out_frames_;
  auto t = Clock::now();
  auto lap = [&t](double& stage) {
    const auto now = Clock::now();
    stage += std::chrono::duration<double>(now - t).count();
    t = now;
  };
  features(x, frames_, a_);
  lap(stages_.conv);
  // Content: α·Σ(A − Ac)², dL/dA = 2α(A − Ac).
  double content = 0;
  for (size_t i = 0; i < a_.size(); ++i) {
    content += content_loss_term(a_[i], content_features_[i], shape_.alpha);
    da_[i] = content_grad_term(a_[i], content_features_[i], shape_.alpha);
  }
  lap(stages_.elementwise);
  // Style: G = AᵀA / T (upper triangle), E = G − Gs; Σ E² counts each off-diagonal entry twice.
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, F, rows, float(1.0 / frames_), a_.data(), F, 0.0f, g_.data(), F);
  lap(stages_.gram);
  double style = 0;
  for (int i = 0; i < F; ++i) {
    float* gi = g_.data() + size_t(i) * F;
    const float* si = style_gram_.data() + size_t(i) * F;
    double row = 0;
    gi[i] = gram_diff(gi[i], si[i]);
    const double diag = double(gi[i]) * gi[i];
    for (int j = i + 1; j < F; ++j) {
      gi[j] = gram_diff(gi[j], si[j]);
      row += double(gi[j]) * gi[j];
    }
    style += diag + 2.0 * row;
  }
  // Mirror E into the lower triangle, so its gradient is one plain GEMM (faster than SYMM here).
  mirror_upper(g_.data(), F);
  lap(stages_.elementwise);
  // dL/dA += (4/T)·A·E, then the ReLU mask (A > 0 exactly where Z > 0).
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, F, F, float(4.0 / frames_), a_.data(), F, g_.data(), F,
              1.0f, da_.data(), F);
  lap(stages_.gram_grad);
  for (size_t i = 0; i < a_.size(); ++i) da_[i] = relu_mask(a_[i], da_[i]);
  lap(stages_.elementwise);
  // dX: dcol = dZ·Wcolᵀ, then col2im (row t of dcol adds into X rows t .. t+K−1).
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, K * C, F, 1.0f, da_.data(), F, wcol_.data(), F, 0.0f,
              dcol_.data(), K * C);
  std::fill_n(grad, size_t(frames_) * C, 0.0f);
  for (int t = 0; t < rows; ++t) {
    const float* src = dcol_.data() + size_t(t) * K * C;
    float* dst = grad + size_t(t) * C;
    for (int i = 0; i < K * C; ++i) dst[i] += src[i];
  }
  lap(stages_.conv_grad);
  content_term_ = content;
  style_term_ = style;
  return content + style;
}

double CpuStyleLoss::gram_distance(SpectrogramView x) {
  const int F = shape_.filters, K = shape_.kernel_width;
  if (x.frames < K) throw std::invalid_argument("gram_distance: fewer frames than the kernel");
  std::vector<float> a, g(size_t(F) * F);
  features(x.data, x.frames, a);
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, F, x.frames - K + 1, float(1.0 / x.frames), a.data(), F, 0.0f,
              g.data(), F);
  double sum = 0;
  for (int i = 0; i < F; ++i)
    for (int j = i; j < F; ++j) {
      const double d = double(g[size_t(i) * F + j]) - style_gram_[size_t(i) * F + j];
      sum += (i == j ? 1.0 : 2.0) * d * d;
    }
  return std::sqrt(sum);
}

}  // namespace drumrnn::style
