#include "style/stft.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fftw3.h>

#include "style/parallel_frames.h"
#include "style/style_elementwise.h"

namespace drumrnn::style {
namespace {

// FFTW's planner is not thread-safe; executing a plan on new arrays is.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// Frame buffers are fftwf_malloc'ed with a stride that keeps every frame as aligned as the first, so
// one plan made on the first frame runs on all of them (fftwf_execute_dft_r2c's rule).
int even(int n) { return (n + 1) & ~1; }

}  // namespace

struct Stft::Plans {
  fftwf_plan r2c = nullptr, c2r = nullptr;
  ~Plans() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    if (r2c) fftwf_destroy_plan(r2c);
    if (c2r) fftwf_destroy_plan(c2r);
  }
};

namespace {
struct FftwBuffer {
  void* p;
  explicit FftwBuffer(size_t bytes) : p(fftwf_malloc(std::max<size_t>(bytes, 16))) {
    if (!p) throw std::bad_alloc();
  }
  ~FftwBuffer() { fftwf_free(p); }
  float* real() const { return static_cast<float*>(p); }
  fftwf_complex* cplx() const { return static_cast<fftwf_complex*>(p); }
};
}  // namespace

Stft::Stft(int n_fft, bool reflect_pad, int threads)
    : n_fft_(n_fft), reflect_(reflect_pad), threads_(threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()))),
      plans_(std::make_unique<Plans>()) {
  if (n_fft < 16 || n_fft % 4 != 0) throw std::invalid_argument("n_fft must be a multiple of 4, at least 16");
  window_.resize(size_t(n_fft));
  for (int n = 0; n < n_fft; ++n) window_[size_t(n)] = hann_periodic(n, n_fft);
  FftwBuffer in(sizeof(float) * size_t(n_fft)), out(sizeof(fftwf_complex) * size_t(even(bins())));
  std::lock_guard<std::mutex> lock(planner_mutex());
  plans_->r2c = fftwf_plan_dft_r2c_1d(n_fft, in.real(), out.cplx(), FFTW_MEASURE);
  plans_->c2r = fftwf_plan_dft_c2r_1d(n_fft, out.cplx(), in.real(), FFTW_MEASURE);
  if (!plans_->r2c || !plans_->c2r) throw std::runtime_error("FFTW could not plan a transform of " + std::to_string(n_fft));
}

Stft::~Stft() = default;

Spectrum Stft::forward(const float* y, int length, int frames) const {
  if (length < 1) throw std::invalid_argument("STFT of an empty signal");
  frames = std::min(frames, frames_for(length));
  const int bins = this->bins(), stride = even(bins), half = n_fft_ / 2, h = hop();
  FftwBuffer in(sizeof(float) * size_t(n_fft_) * size_t(frames)),
      out(sizeof(fftwf_complex) * size_t(stride) * size_t(frames));
  parallel_frames(frames, threads_, [&](int t) {
    float* frame = in.real() + size_t(t) * n_fft_;
    for (int m = 0; m < n_fft_; ++m) frame[m] = window_[size_t(m)] * padded_sample(y, length, t * h + m, half, reflect_);
    fftwf_execute_dft_r2c(plans_->r2c, frame, out.cplx() + size_t(t) * stride);
  });
  Spectrum s(size_t(frames) * bins);
  for (int t = 0; t < frames; ++t)
    std::copy_n(reinterpret_cast<const std::complex<float>*>(out.cplx() + size_t(t) * stride), bins,
                s.begin() + ptrdiff_t(t) * bins);
  return s;
}

std::vector<float> Stft::inverse(const std::complex<float>* spectrum, int frames) const {
  if (frames < 1) throw std::invalid_argument("inverse STFT of no frames");
  const int bins = this->bins(), stride = even(bins), half = n_fft_ / 2, h = hop();
  FftwBuffer in(sizeof(fftwf_complex) * size_t(stride) * size_t(frames)),
      out(sizeof(float) * size_t(n_fft_) * size_t(frames));
  const float scale = 1.0f / float(n_fft_);  // FFTW's c2r is unnormalised
  parallel_frames(frames, threads_, [&](int t) {
    auto* c = reinterpret_cast<std::complex<float>*>(in.cplx() + size_t(t) * stride);
    std::copy_n(spectrum + ptrdiff_t(t) * bins, bins, c);  // c2r destroys its input
    float* frame = out.real() + size_t(t) * n_fft_;
    fftwf_execute_dft_c2r(plans_->c2r, in.cplx() + size_t(t) * stride, frame);
    for (int m = 0; m < n_fft_; ++m) frame[m] *= scale * window_[size_t(m)];
  });
  // Overlap-add into the padded signal, then divide by the window's sum-square envelope (librosa
  // divides only where the envelope exceeds float's tiny) and trim n_fft/2 from each end.
  const int padded_len = n_fft_ + h * (frames - 1);
  std::vector<float> sum(size_t(padded_len), 0.0f), env(size_t(padded_len), 0.0f);
  for (int t = 0; t < frames; ++t) {
    const float* frame = out.real() + size_t(t) * n_fft_;
    float* s = sum.data() + size_t(t) * h;
    float* e = env.data() + size_t(t) * h;
    for (int m = 0; m < n_fft_; ++m) {
      s[m] += frame[m];
      e[m] += window_[size_t(m)] * window_[size_t(m)];
    }
  }
  std::vector<float> y(size_t(h) * size_t(frames - 1));
  for (size_t n = 0; n < y.size(); ++n) {
    const float e = env[n + half];
    y[n] = e > 1.1754944e-38f ? sum[n + half] / e : sum[n + half];
  }
  return y;
}

std::vector<float> Stft::magnitude(const float* y, int length, int frames) const {
  const auto s = forward(y, length, frames);
  std::vector<float> m(s.size());
  for (size_t i = 0; i < s.size(); ++i) m[i] = std::abs(s[i]);
  return m;
}

std::vector<float> Stft::log_magnitude(const float* y, int length, int frames) const {
  auto m = magnitude(y, length, frames);
  for (auto& v : m) v = std::log1p(v);
  return m;
}

}  // namespace drumrnn::style
