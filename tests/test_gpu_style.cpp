// The GPU style path against a plain double-precision CPU reference on small sizes: the loss and its
// gradient, a finite-difference check through the GPU, the device L-BFGS lowering the loss, the cuFFT
// STFT against a direct DFT, and Griffin-Lim's spectral convergence. Output buffers are poisoned (NaN)
// before each call so a kernel that skips an element fails. Without a device (or a CUDA build) the
// executable says why and exits 77, which CTest reports as a skip.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#ifdef DRUMRNN_HAVE_CUDA
#include "style/cuda/gpu_style.h"
#include "style/style_loss.h"

namespace {

using namespace drumrnn;
using namespace drumrnn::style::gpu;

constexpr float kPoison = std::numeric_limits<float>::quiet_NaN();

struct Problem {
  int c = 33, f = 24, k = 5, t = 40, ts = 31;
  float alpha = 4.0f;
  std::vector<float> w, content, style, x;
  explicit Problem(uint64_t seed = 7) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> n(0, 1);
    const float std_w = std::sqrt(2.0f) * std::sqrt(2.0f / float((c + f) * k));
    w.resize(size_t(f) * c * k);
    for (auto& v : w) v = n(rng) * std_w;
    auto spec = [&](int frames) {
      std::vector<float> s(size_t(frames) * c);
      for (auto& v : s) v = std::fabs(n(rng));
      return s;
    };
    content = spec(t);
    style = spec(ts);
    x = spec(t);
    for (auto& v : x) v *= 0.5f;
  }
  NetworkShape shape() const {
    NetworkShape s;
    s.channels = c, s.filters = f, s.kernel_width = k, s.alpha = alpha;
    return s;
  }
};

// A = ReLU(conv(X)) in double: A[t][f] = Σ_k Σ_c X[t+k][c] · W[f][c][k].
std::vector<double> features(const Problem& p, const std::vector<float>& x, int t) {
  const int to = t - p.k + 1;
  std::vector<double> a(size_t(to) * p.f);
  for (int i = 0; i < to; ++i)
    for (int f = 0; f < p.f; ++f) {
      double z = 0;
      for (int k = 0; k < p.k; ++k)
        for (int c = 0; c < p.c; ++c) z += double(x[size_t(i + k) * p.c + c]) * p.w[(size_t(f) * p.c + c) * p.k + k];
      a[size_t(i) * p.f + f] = z > 0 ? z : 0;
    }
  return a;
}

std::vector<double> gram(const std::vector<double>& a, int to, int f, double norm) {
  std::vector<double> g(size_t(f) * f, 0.0);
  for (int i = 0; i < to; ++i)
    for (int u = 0; u < f; ++u)
      for (int v = 0; v < f; ++v) g[size_t(u) * f + v] += a[size_t(i) * f + u] * a[size_t(i) * f + v] / norm;
  return g;
}

double reference_loss(const Problem& p, const std::vector<float>& x, std::vector<double>* grad) {
  const int to = p.t - p.k + 1, tso = p.ts - p.k + 1;
  const auto ac = features(p, p.content, p.t);
  const auto gs = gram(features(p, p.style, p.ts), tso, p.f, p.ts);
  const auto a = features(p, x, p.t);
  const auto g = gram(a, to, p.f, p.t);
  double loss = 0;
  for (size_t i = 0; i < a.size(); ++i) loss += p.alpha * (a[i] - ac[i]) * (a[i] - ac[i]);
  for (size_t i = 0; i < g.size(); ++i) loss += (g[i] - gs[i]) * (g[i] - gs[i]);
  if (grad) {
    std::vector<double> da(a.size());
    for (int i = 0; i < to; ++i)
      for (int u = 0; u < p.f; ++u) {
        double v = 2 * p.alpha * (a[size_t(i) * p.f + u] - ac[size_t(i) * p.f + u]);
        for (int w = 0; w < p.f; ++w)
          v += 4.0 / p.t * a[size_t(i) * p.f + w] * (g[size_t(w) * p.f + u] - gs[size_t(w) * p.f + u]);
        da[size_t(i) * p.f + u] = a[size_t(i) * p.f + u] > 0 ? v : 0;
      }
    grad->assign(size_t(p.t) * p.c, 0.0);
    for (int i = 0; i < to; ++i)
      for (int f = 0; f < p.f; ++f)
        for (int k = 0; k < p.k; ++k)
          for (int c = 0; c < p.c; ++c)
            (*grad)[size_t(i + k) * p.c + c] += da[size_t(i) * p.f + f] * p.w[(size_t(f) * p.c + c) * p.k + k];
  }
  return loss;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace

TEST_CASE("GPU style: loss and gradient agree with a double-precision CPU reference", "[gpu][style]") {
  Problem p;
  StyleLoss loss(p.shape(), p.w.data(), {p.content.data(), p.t}, {{p.style.data(), p.ts}});
  std::vector<float> grad(p.x.size(), kPoison);
  const double got = loss.evaluate(p.x.data(), grad.data());
  std::vector<double> want_grad;
  const double want = reference_loss(p, p.x, &want_grad);
  CHECK(std::fabs(got - want) <= 1e-4 * std::fabs(want));
  const double scale = max_abs(want_grad);
  REQUIRE(scale > 0);
  for (size_t i = 0; i < grad.size(); ++i) {
    INFO("element " << i);
    REQUIRE(std::isfinite(grad[i]));
    REQUIRE(std::fabs(grad[i] - want_grad[i]) <= 1e-4 * scale);
  }
  // Evaluating again gives the same numbers (no state leaks between evaluations).
  std::vector<float> again(p.x.size(), kPoison);
  CHECK(loss.evaluate(p.x.data(), again.data()) == got);
  CHECK(again == grad);
}

TEST_CASE("GPU style: loss and gradient agree with the CPU path's CpuStyleLoss on the same weights", "[gpu][style]") {
  Problem p;
  StyleLoss gpu_loss(p.shape(), p.w.data(), {p.content.data(), p.t}, {{p.style.data(), p.ts}});
  drumrnn::style::CpuStyleLoss cpu_loss({p.c, p.f, p.k, p.alpha}, p.w, {p.content.data(), p.t}, {{p.style.data(), p.ts}});
  std::vector<float> g_gpu(p.x.size(), kPoison), g_cpu(p.x.size(), kPoison);
  const double l_gpu = gpu_loss.evaluate(p.x.data(), g_gpu.data());
  const double l_cpu = cpu_loss.evaluate(p.x.data(), g_cpu.data());
  CHECK(std::fabs(l_gpu - l_cpu) <= 1e-4 * std::fabs(l_cpu));
  double scale = 0;
  for (float v : g_cpu) scale = std::max(scale, double(std::fabs(v)));
  REQUIRE(scale > 0);
  for (size_t i = 0; i < g_gpu.size(); ++i) {
    INFO("element " << i);
    REQUIRE(std::fabs(g_gpu[i] - g_cpu[i]) <= 1e-4 * scale);
  }
}

TEST_CASE("GPU style: with TF32 allowed the loss and gradient stay within TF32's precision", "[gpu][style]") {
  // TF32 keeps 10 mantissa bits: about 1e-3 relative per product, so a looser bound than FP32's.
  Problem p(13);
  NetworkShape shape = p.shape();
  shape.allow_tf32 = true;
  StyleLoss loss(shape, p.w.data(), {p.content.data(), p.t}, {{p.style.data(), p.ts}});
  std::vector<float> grad(p.x.size(), kPoison);
  const double got = loss.evaluate(p.x.data(), grad.data());
  std::vector<double> want_grad;
  const double want = reference_loss(p, p.x, &want_grad);
  CHECK(std::fabs(got - want) <= 2e-2 * std::fabs(want));
  const double scale = max_abs(want_grad);
  double worst = 0;
  for (size_t i = 0; i < grad.size(); ++i) {
    REQUIRE(std::isfinite(grad[i]));
    worst = std::max(worst, std::fabs(grad[i] - want_grad[i]) / scale);
  }
  CHECK(worst <= 2e-2);
}

TEST_CASE("GPU style: the gradient matches finite differences of the GPU loss", "[gpu][style]") {
  Problem p(11);
  StyleLoss loss(p.shape(), p.w.data(), {p.content.data(), p.t}, {{p.style.data(), p.ts}});
  std::vector<float> grad(p.x.size(), kPoison), scratch(p.x.size(), kPoison);
  loss.evaluate(p.x.data(), grad.data());
  std::mt19937 rng(3);
  std::uniform_int_distribution<size_t> pick(0, p.x.size() - 1);
  // A step may cross a ReLU kink, so most (not all) of the probes must agree.
  int agree = 0;
  const int probes = 16;
  for (int trial = 0; trial < probes; ++trial) {
    const size_t i = pick(rng);
    auto xp = p.x, xm = p.x;
    const float h = 1e-2f;
    xp[i] += h;
    xm[i] -= h;
    const double fd = (loss.evaluate(xp.data(), scratch.data()) - loss.evaluate(xm.data(), scratch.data())) / (2 * h);
    UNSCOPED_INFO("element " << i << " analytic " << grad[i] << " numeric " << fd);
    agree += std::fabs(fd - grad[i]) <= 2e-2 * std::max(1.0, std::fabs(fd));
  }
  CHECK(agree >= probes - 2);
}

TEST_CASE("GPU style: several style clips average their Grams, each over its own length", "[gpu][style]") {
  Problem p(5);
  // The same clip twice must give the same loss as once.
  StyleLoss once(p.shape(), p.w.data(), {p.content.data(), p.t}, {{p.style.data(), p.ts}});
  StyleLoss twice(p.shape(), p.w.data(), {p.content.data(), p.t}, {{p.style.data(), p.ts}, {p.style.data(), p.ts}});
  std::vector<float> g1(p.x.size(), kPoison), g2(p.x.size(), kPoison);
  const double a = once.evaluate(p.x.data(), g1.data()), b = twice.evaluate(p.x.data(), g2.data());
  CHECK(std::fabs(a - b) <= 1e-5 * std::fabs(a));
}

TEST_CASE("GPU style: the device L-BFGS lowers the loss and reports its iterations", "[gpu][style]") {
  Problem p(9);
  StyleLoss loss(p.shape(), p.w.data(), {p.content.data(), p.t}, {{p.style.data(), p.ts}});
  std::vector<float> x = p.x, grad(p.x.size(), kPoison);
  const double before = loss.evaluate(x.data(), grad.data());
  LbfgsSettings s;
  s.max_iterations = 30;
  struct Count : JobObserver {
    int calls = 0;
    void on_progress(const JobProgress&) override { ++calls; }
  } job;
  const LbfgsResult r = minimise(loss, x.data(), s, job);
  INFO("stop: " << r.stop);
  CHECK(r.iterations > 0);
  CHECK(job.calls == r.iterations);
  CHECK(r.evaluations >= r.iterations);
  CHECK(r.loss < 0.5 * before);
  const double after = loss.evaluate(x.data(), grad.data());
  CHECK(std::fabs(after - r.loss) <= 1e-5 * std::fabs(before));
}

TEST_CASE("GPU style: the cuFFT STFT matches a direct DFT, and Griffin-Lim converges", "[gpu][style]") {
  const int n_fft = 64, hop = 16, bins = 33, len = 16 * 24;
  std::vector<float> y(len);
  for (int i = 0; i < len; ++i) y[i] = std::sin(0.3f * i) + 0.5f * std::sin(0.05f * i * i / 10.0f);
  const auto mag = stft_magnitude(y.data(), len, n_fft, true);
  const int frames = 1 + len / hop;
  REQUIRE(mag.size() == size_t(frames) * bins);
  for (int t = 0; t < frames; ++t)
    for (int k = 0; k < bins; ++k) {
      double re = 0, im = 0;
      for (int m = 0; m < n_fft; ++m) {
        int j = t * hop + m - n_fft / 2;
        if (j < 0) j = -j;                       // numpy 'reflect'
        if (j >= len) j = 2 * (len - 1) - j;
        const double w = 0.5 - 0.5 * std::cos(2 * M_PI * m / n_fft);
        re += w * y[j] * std::cos(2 * M_PI * k * m / n_fft);
        im -= w * y[j] * std::sin(2 * M_PI * k * m / n_fft);
      }
      REQUIRE(std::fabs(mag[size_t(t) * bins + k] - std::hypot(re, im)) <= 1e-3 * (1 + std::hypot(re, im)));
    }
  auto convergence = [&](int iterations, float momentum) {
    GriffinLimSettings s;
    s.n_fft = n_fft, s.iterations = iterations, s.momentum = momentum, s.seed = 1;
    const auto out = griffin_lim(mag.data(), frames, s, silent_job());
    REQUIRE(out.size() == size_t(hop) * (frames - 1));
    const auto again = stft_magnitude(out.data(), int(out.size()), n_fft, true);
    double num = 0, den = 0;
    for (size_t i = 0; i < mag.size(); ++i) {
      num += (again[i] - mag[i]) * (again[i] - mag[i]);
      den += mag[i] * mag[i];
    }
    return std::sqrt(num / den);
  };
  const double few = convergence(2, 0.0f), many = convergence(100, 0.0f), fast = convergence(100, 0.99f);
  CHECK(many < few);
  CHECK(fast < few);
}

int main(int argc, char** argv) {
  std::string why;
  if (device_count(why) == 0) {
    std::printf("SKIPPED: test_gpu_style needs a CUDA device (%s)\n", why.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}

#else

int main() {
  std::printf("SKIPPED: test_gpu_style: this build has no CUDA (nvcc and cuDNN were not found)\n");
  return 77;
}

#endif
