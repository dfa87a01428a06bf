// The GPU style kernels' per-element bodies (style/style_elementwise.h), run here on the CPU, and the
// device L-BFGS's scalar line search (style/more_thuente.h), on the test functions of Moré & Thuente.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "style/more_thuente.h"
#include "style/style_elementwise.h"

using namespace drumrnn::style;

TEST_CASE("style kernels: ReLU, its mask and the loss terms", "[style]") {
  CHECK(relu(-1.5f) == 0.0f);
  CHECK(relu(2.0f) == 2.0f);
  CHECK(relu_mask(0.0f, 3.0f) == 0.0f);  // TF: the gradient at exactly 0 is 0
  CHECK(relu_mask(1e-30f, 3.0f) == 3.0f);
  CHECK(content_loss_term(3.0f, 1.0f, 4.0f) == 16.0f);
  CHECK(content_grad_term(3.0f, 1.0f, 4.0f) == 16.0f);
  CHECK(style_loss_term(1.0f, 4.0f) == 9.0f);
  CHECK(gram_diff(1.0f, 4.0f) == -3.0f);
  CHECK(magnitude_from_log(log_magnitude({3.0f, 4.0f})) == Approx(5.0f));
  CHECK(magnitude_from_log(-0.5f) == 0.0f);
}

TEST_CASE("style kernels: centred padding follows NumPy's reflect and zero modes", "[style]") {
  const std::vector<float> y = {10, 11, 12, 13};
  const int half = 3;  // padded index i is signal index i − 3
  const std::vector<float> reflect = {13, 12, 11, 10, 11, 12, 13, 12, 11, 10};  // np.pad(y, 3, 'reflect')
  for (int i = 0; i < int(reflect.size()); ++i) CHECK(padded_sample(y.data(), 4, i, half, true) == reflect[i]);
  CHECK(padded_sample(y.data(), 4, 0, half, false) == 0.0f);
  CHECK(padded_sample(y.data(), 4, 4, half, false) == 11.0f);
  CHECK(hann_periodic(0, 8) == 0.0f);
  CHECK(hann_periodic(4, 8) == Approx(1.0f));
  CHECK(hann_periodic(2, 8) == Approx(0.5f));
}

TEST_CASE("style kernels: windowed frames overlap-added by istft_sample give the signal back", "[style]") {
  const int n_fft = 32, hop = 8, frames = 12, len = hop * (frames - 1);
  std::vector<float> y(len);
  for (int i = 0; i < len; ++i) y[i] = std::sin(0.37f * i) + 0.1f * i;
  // STFT then an exact inverse DFT is the identity per frame, so the frames are w · padded(y).
  std::vector<float> f(size_t(frames) * n_fft);
  for (int t = 0; t < frames; ++t)
    for (int m = 0; m < n_fft; ++m)
      f[size_t(t) * n_fft + m] = hann_periodic(m, n_fft) * padded_sample(y.data(), len, t * hop + m, n_fft / 2, true);
  for (int n = 0; n < len; ++n) CHECK(istft_sample(f.data(), frames, n_fft, hop, n) == Approx(y[n]).margin(1e-4));
}

TEST_CASE("style kernels: the Griffin-Lim update keeps the magnitude and, with momentum, extrapolates", "[style]") {
  Complex prev{0, 0};
  const Complex a = griffin_lim_update({3, 4}, prev, 2.0f, 0.0f);
  CHECK(a.re == Approx(1.2f));
  CHECK(a.im == Approx(1.6f));
  CHECK(prev.re == 3.0f);
  const Complex b = griffin_lim_update({0, 1}, prev, 1.0f, 1.0f);  // (0,1) − ½(3,4) = (−1.5, −1)
  CHECK(std::hypot(b.re, b.im) == Approx(1.0f));
  CHECK(b.re / b.im == Approx(1.5f));
}

namespace {

struct Phi {
  virtual ~Phi() = default;
  virtual double f(double a) const = 0;
  virtual double g(double a) const = 0;
};
struct Rational : Phi {  // Moré & Thuente's function 1, β = 2
  double f(double a) const override { return -a / (a * a + 2); }
  double g(double a) const override { return (a * a - 2) / ((a * a + 2) * (a * a + 2)); }
};
struct Quartic : Phi {  // function 2, β = 0.004
  double f(double a) const override { return std::pow(a + 0.004, 5) - 2 * std::pow(a + 0.004, 4); }
  double g(double a) const override { return 5 * std::pow(a + 0.004, 4) - 8 * std::pow(a + 0.004, 3); }
};

}  // namespace

TEST_CASE("Moré–Thuente: finds a strong Wolfe point on the paper's test functions", "[style]") {
  const Rational rational;
  const Quartic quartic;
  for (const Phi* phi : {static_cast<const Phi*>(&rational), static_cast<const Phi*>(&quartic)}) {
    for (double a0 : {1e-3, 1e-1, 1.0, 10.0, 1e3}) {
      LineSearchSettings s;
      s.ftol = 1e-3;
      s.gtol = 0.1;
      s.max_trials = 40;
      const double f0 = phi->f(0), g0 = phi->g(0);
      REQUIRE(g0 < 0);
      MoreThuente search(s, f0, g0, a0);
      MoreThuente::Status st;
      do {
        const double a = search.step();
        st = search.next(phi->f(a), phi->g(a));
      } while (st == MoreThuente::Status::evaluate);
      INFO("a0 " << a0 << ": " << search.why());
      REQUIRE(st == MoreThuente::Status::converged);
      const double a = search.step();
      CHECK(phi->f(a) <= f0 + s.ftol * a * g0);
      CHECK(std::fabs(phi->g(a)) <= s.gtol * -g0);
      CHECK(search.trials() <= 15);
    }
  }
}

TEST_CASE("Moré–Thuente: an ascent-only function fails with a reason instead of looping", "[style]") {
  LineSearchSettings s;
  s.max_trials = 20;
  // f decreases at 0 but every positive step is far higher: no Wolfe point within the trials.
  auto f = [](double a) { return a < 1e-30 ? 0.0 : 1.0 + a; };
  MoreThuente search(s, 0.0, -1.0, 1.0);
  MoreThuente::Status st;
  do st = search.next(f(search.step()), 1.0);
  while (st == MoreThuente::Status::evaluate);
  CHECK(st == MoreThuente::Status::failed);
  CHECK(std::string(search.why()).size() > 0);
}
