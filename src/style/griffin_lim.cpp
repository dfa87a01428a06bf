#include "style/griffin_lim.h"

#include <cmath>
#include <random>
#include <stdexcept>

#include "style/stft.h"
#include "style/style_elementwise.h"

namespace drumrnn::style {

std::vector<float> griffin_lim_cpu(const std::vector<float>& magnitude, int frames, const PhaseSettings& s,
                                   JobObserver& job) {
  const Stft stft(s.n_fft, s.reflect_pad, s.threads);
  const int bins = stft.bins();
  if (frames < 1 || magnitude.size() != size_t(frames) * bins)
    throw std::invalid_argument("griffin_lim: magnitude is not frames × (n_fft/2 + 1)");
  if (s.iterations < 1) throw std::invalid_argument("griffin_lim: at least one iteration");
  if (s.momentum < 0) throw std::invalid_argument("griffin_lim: momentum must not be negative");
  std::mt19937_64 rng(s.seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  Spectrum spec(magnitude.size());
  for (size_t i = 0; i < spec.size(); ++i) {
    const float phase = 6.283185307179586f * uniform(rng) - 3.14159265358979f;
    spec[i] = std::polar(magnitude[i], phase);
  }
  std::vector<Complex> prev(spec.size(), Complex{0.0f, 0.0f});
  std::vector<float> y;
  const int length = stft.hop() * (frames - 1);
  for (int it = 0; it < s.iterations; ++it) {
    y = stft.inverse(spec.data(), frames);
    const Spectrum r = stft.forward(y.data(), length, frames);
    for (size_t i = 0; i < spec.size(); ++i) {
      const Complex next = griffin_lim_update({r[i].real(), r[i].imag()}, prev[i], magnitude[i], s.momentum);
      spec[i] = {next.re, next.im};
    }
    if ((it & 7) == 7 || it + 1 == s.iterations) {
      JobProgress p;
      p.stage = "phase";
      p.done = it + 1;
      p.total = s.iterations;
      job.on_progress(p);
      if (job.cancelled()) return y;
    }
  }
  // Classic returns the signal made before the last phase update (the reference's loop); the fast
  // variant re-synthesises from the final phase, as librosa does.
  if (s.momentum > 0) y = stft.inverse(spec.data(), frames);
  return y;
}

double spectral_convergence(const std::vector<float>& signal, const std::vector<float>& magnitude, int frames,
                            int n_fft, bool reflect_pad) {
  const Stft stft(n_fft, reflect_pad, 1);
  const auto m = stft.magnitude(signal.data(), int(signal.size()), frames);
  if (m.size() != magnitude.size()) throw std::invalid_argument("spectral_convergence: frame counts differ");
  double num = 0, den = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    num += double(m[i] - magnitude[i]) * (m[i] - magnitude[i]);
    den += double(magnitude[i]) * magnitude[i];
  }
  return den > 0 ? std::sqrt(num / den) : 0.0;
}

}  // namespace drumrnn::style
