// The GPU style path on the headline case: a 10 s loop at 22,050 Hz, n_fft 2048 (T = 430, C = 1025),
// 4,096 filters of width 11, 300 L-BFGS iterations, 500 Griffin-Lim iterations. Prints each stage's
// time and its share, and the conv+Gram arithmetic rate. Content and style are synthetic (a drum-like
// click train and a noisy chord), their log-magnitudes taken on the GPU. Without a device it says so
// and exits 77.
//   build/bench_gpu_style [--seconds 10] [--filters 4096] [--iterations 300] [--griffin-lim 500] [--tf32]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "style/cuda/gpu_style.h"

using namespace drumrnn;
using namespace drumrnn::style::gpu;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<float> log_spectrogram(const std::vector<float>& y, int n_fft, int max_frames, int& frames) {
  auto mag = stft_magnitude(y.data(), int(y.size()), n_fft, true);
  const int bins = n_fft / 2 + 1;
  frames = std::min<int>(int(mag.size() / bins), max_frames);
  mag.resize(size_t(frames) * bins);
  for (auto& v : mag) v = std::log1p(v);
  return mag;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  int filters = 4096, iterations = 300, gl_iterations = 500, n_fft = 2048;
  bool tf32 = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? argv[++i] : (std::fprintf(stderr, "%s needs a value\n", a.c_str()), std::exit(2), ""); };
    if (a == "--seconds") seconds = std::atof(next());
    else if (a == "--filters") filters = std::atoi(next());
    else if (a == "--iterations") iterations = std::atoi(next());
    else if (a == "--griffin-lim") gl_iterations = std::atoi(next());
    else if (a == "--n-fft") n_fft = std::atoi(next());
    else if (a == "--tf32") tf32 = true;
    else {
      std::fprintf(stderr, "bench_gpu_style: unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::string why;
  if (device_count(why) == 0) {
    std::printf("SKIPPED: bench_gpu_style needs a CUDA device (%s)\n", why.c_str());
    return 77;
  }
  const int sr = 22050, len = int(seconds * sr), channels = n_fft / 2 + 1;
  std::mt19937_64 rng(1);
  std::normal_distribution<float> noise(0, 1);
  std::vector<float> content(len), style(len);
  for (int i = 0; i < len; ++i) {
    const double t = double(i) / sr, beat = std::fmod(t, 0.25);
    content[i] = float(std::exp(-beat * 40) * std::sin(2 * M_PI * 60 * beat) + 0.05 * noise(rng) * std::exp(-beat * 200));
    style[i] = float(0.3 * (std::sin(2 * M_PI * 220 * t) + std::sin(2 * M_PI * 277 * t) + std::sin(2 * M_PI * 330 * t)) +
                     0.05 * noise(rng));
  }
  const auto t_setup = Clock::now();
  int tc = 0, ts = 0;
  const auto xc = log_spectrogram(content, n_fft, 430, tc), xs = log_spectrogram(style, n_fft, 430, ts);
  NetworkShape shape;
  shape.channels = channels, shape.filters = filters, shape.allow_tf32 = tf32;
  std::vector<float> w(size_t(filters) * channels * shape.kernel_width);
  const float std_w = std::sqrt(2.0f) * std::sqrt(2.0f / float((channels + filters) * shape.kernel_width));
  for (auto& v : w) v = noise(rng) * std_w;
  StyleLoss loss(shape, w.data(), {xc.data(), tc}, {{xs.data(), ts}});
  const double setup = since(t_setup);

  std::vector<float> x(xc.size()), grad(xc.size());
  for (auto& v : x) v = 1e-3f * noise(rng);
  auto t0 = Clock::now();
  const int evals = 5;
  for (int i = 0; i < evals; ++i) loss.evaluate(x.data(), grad.data());
  const double one_eval = since(t0) / evals;

  LbfgsSettings s;
  s.max_iterations = iterations;
  t0 = Clock::now();
  const LbfgsResult r = minimise(loss, x.data(), s, silent_job());
  const double opt = since(t0);

  std::vector<float> mag(x.size());
  for (size_t i = 0; i < x.size(); ++i) mag[i] = std::max(0.0f, std::expm1(x[i]));
  GriffinLimSettings g;
  g.n_fft = n_fft, g.iterations = gl_iterations;
  t0 = Clock::now();
  const auto audio = griffin_lim(mag.data(), tc, g, silent_job());
  const double gl = since(t0);

  const double to = tc - shape.kernel_width + 1;
  const double flop = 2 * 2 * to * filters * double(channels) * shape.kernel_width + 2 * 2 * double(filters) * filters * to;
  const double total = opt + gl;
  std::printf("bench_gpu_style: %.1f s, T %d, C %d, F %d, K %d, %s\n", seconds, tc, channels, filters,
              shape.kernel_width, tf32 ? "TF32 allowed" : "FP32 (CUDNN_FMA_MATH, cuBLAS pedantic)");
  std::printf("| stage | time | share | note |\n|---|---|---|---|\n");
  std::printf("| setup (targets, cudnnFind) | %.3f s | - | once per style |\n", setup);
  std::printf("| one loss+gradient (host copies) | %.2f ms | - | %.1f GFLOP, %.1f TFLOP/s |\n", one_eval * 1e3,
              flop / 1e9, flop / one_eval / 1e12);
  std::printf("| L-BFGS %d iterations (%d evals) | %.3f s | %.0f%% | loss %.4g, stop: %s, %.1f TFLOP/s |\n",
              r.iterations, r.evaluations, opt, 100 * opt / total, r.loss, r.stop.c_str(),
              flop * r.evaluations / opt / 1e12);
  std::printf("| Griffin-Lim %d iterations | %.3f s | %.0f%% | %zu samples |\n", gl_iterations, gl, 100 * gl / total,
              audio.size());
  std::printf("| total (optimise + phase) | %.3f s | 100%% | goal < 1 s on an H100-class GPU |\n", total);
  return 0;
}
