#include "style/style_transfer.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "style/griffin_lim.h"
#include "style/stft.h"
#include "style/style_elementwise.h"
#include "style/style_loss.h"
#ifdef DRUMRNN_HAVE_CUDA
#include "style/cuda/gpu_style.h"
#endif

extern "C" void openblas_set_num_threads(int);

namespace drumrnn::style {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void require(bool ok, const std::string& message) {
  if (!ok) throw StyleSettingsError(message);
}

// The start point x0 = 1e-3·N(0, 1), from a stream of its own so the network is the same whatever
// the clip's length.
std::vector<float> start_point(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = 1e-3f * normal(rng);
  return x;
}

struct Optimised {
  std::vector<float> x;
  MinimiseResult result;
};

Optimised optimise_cpu(const StyleSettings& s, const NetworkShape& shape, const std::vector<float>& w,
                       const std::vector<float>& xc, int tc, const std::vector<std::vector<float>>& xs,
                       const std::vector<int>& ts, JobObserver& job) {
  std::vector<SpectrogramView> styles;
  for (size_t i = 0; i < xs.size(); ++i) styles.push_back({xs[i].data(), ts[i]});
  CpuStyleLoss loss(shape, w, {xc.data(), tc}, styles);
  Optimised o{start_point(xc.size(), s.seed), {}};
  MinimiseSettings m;
  m.max_iterations = s.iterations;
  o.result = minimise_cpu(loss, o.x.data(), m, job);
  return o;
}

#ifdef DRUMRNN_HAVE_CUDA
Optimised optimise_gpu(const StyleSettings& s, const NetworkShape& shape, const std::vector<float>& w,
                       const std::vector<float>& xc, int tc, const std::vector<std::vector<float>>& xs,
                       const std::vector<int>& ts, JobObserver& job) {
  gpu::NetworkShape g{shape.channels, shape.filters, shape.kernel_width, shape.alpha, false};
  std::vector<gpu::StyleClip> clips;
  for (size_t i = 0; i < xs.size(); ++i) clips.push_back({xs[i].data(), ts[i]});
  gpu::StyleLoss loss(g, w.data(), {xc.data(), tc}, clips);
  Optimised o{start_point(xc.size(), s.seed), {}};
  gpu::LbfgsSettings m;
  m.max_iterations = s.iterations;
  const auto r = gpu::minimise(loss, o.x.data(), m, job);
  o.result.loss = r.loss;
  o.result.iterations = r.iterations;
  o.result.evaluations = r.evaluations;
  o.result.stop = r.stop;
  return o;
}
#endif

}  // namespace

void validate(const StyleSettings& s) {
  require(s.sample_rate >= 8000 && s.sample_rate <= 192000, "--sample_rate: expected 8000 to 192000 Hz");
  require(s.n_fft >= 256 && s.n_fft <= 16384 && (s.n_fft & (s.n_fft - 1)) == 0,
          "--n_fft: expected a power of two from 256 to 16384");
  require(std::isfinite(s.seconds) && s.seconds > 0 && s.seconds <= 600, "--seconds: expected more than 0, at most 600");
  require(s.filters >= 1 && s.filters <= 16384, "--filters: expected 1 to 16384");
  require(s.kernel_width >= 1 && s.kernel_width <= 64, "--kernel_width: expected 1 to 64");
  require(std::isfinite(s.alpha) && s.alpha >= 0, "--alpha: expected a finite number ≥ 0");
  require(s.iterations >= 1 && s.iterations <= 100000, "--iterations: expected 1 to 100000");
  require(s.phase_iterations >= 1 && s.phase_iterations <= 100000, "--griffin_lim_iters: expected 1 to 100000");
  require(s.device == "auto" || s.device == "cpu" || s.device == "cuda", "--device " + s.device + ": expected auto, cpu or cuda");
  require(s.threads >= 0 && s.threads <= 1024, "threads: expected 0 to 1024");
}

std::string resolve_device(const std::string& device, std::string& note) {
  if (device == "cpu") return "cpu";
#ifdef DRUMRNN_HAVE_CUDA
  std::string why;
  if (gpu::device_count(why) > 0) return "cuda";
  if (device == "cuda") throw std::runtime_error("--device cuda: " + why);
  note = "no CUDA device (" + why + "): styling on the CPU";
#else
  if (device == "cuda") throw std::runtime_error("--device cuda: this build has no CUDA (nvcc or cuDNN was not found)");
  note = "this build has no CUDA: styling on the CPU";
#endif
  return "cpu";
}

StyleResult run_style_transfer(const StyleSettings& s, const std::vector<float>& content,
                               const std::vector<std::vector<float>>& styles, JobObserver& job) {
  validate(s);
  if (styles.empty()) throw std::invalid_argument("no style clip");
  std::string note;
  StyleResult r;
  r.device = resolve_device(s.device, note);
  if (!note.empty()) job.on_message("style: " + note);
  const int threads = s.threads > 0 ? s.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  if (r.device == "cpu") openblas_set_num_threads(threads);

  const Stft stft(s.n_fft, s.reflect_pad, threads);
  const int max_frames = std::max(1, int(std::floor(s.seconds * s.sample_rate / stft.hop())));
  auto spectrogram = [&](const std::vector<float>& y, const char* what, int& frames) {
    if (y.size() < size_t(s.n_fft))
      throw std::invalid_argument(std::string(what) + " is " + std::to_string(y.size()) +
                                  " samples, shorter than one FFT frame (" + std::to_string(s.n_fft) + ")");
    frames = std::min(stft.frames_for(int(y.size())), max_frames);
    if (frames < s.kernel_width)
      throw std::invalid_argument(std::string(what) + " is " + std::to_string(frames) +
                                  " frames long, shorter than the kernel width (" + std::to_string(s.kernel_width) + ")");
    return stft.log_magnitude(y.data(), int(y.size()), frames);
  };
  float peak = 0;
  for (float v : content) peak = std::max(peak, std::fabs(v));
  if (peak < 1e-6f) throw std::invalid_argument("the content is silent");
  r.bins = stft.bins();
  r.content_spectrogram = spectrogram(content, "the content", r.frames);
  r.style_frames.resize(styles.size());
  for (size_t i = 0; i < styles.size(); ++i)
    r.style_spectrograms.push_back(spectrogram(styles[i], styles.size() == 1 ? "the style" : "a style clip", r.style_frames[i]));

  NetworkShape shape{r.bins, s.filters, s.kernel_width, s.alpha};
  const auto w = random_filters(shape, s.seed);
  const auto t0 = Clock::now();
  Optimised o;
#ifdef DRUMRNN_HAVE_CUDA
  if (r.device == "cuda")
    o = optimise_gpu(s, shape, w, r.content_spectrogram, r.frames, r.style_spectrograms, r.style_frames, job);
  else
#endif
    o = optimise_cpu(s, shape, w, r.content_spectrogram, r.frames, r.style_spectrograms, r.style_frames, job);
  r.loss_seconds = seconds_since(t0);
  r.optimisation = o.result;
  r.result_spectrogram = o.x;
  if (job.cancelled()) return r;

  // Undo the log (negative x clamps to magnitude 0), then recover a phase.
  std::vector<float> magnitude(o.x.size());
  for (size_t i = 0; i < o.x.size(); ++i) magnitude[i] = magnitude_from_log(o.x[i]);
  const auto t1 = Clock::now();
#ifdef DRUMRNN_HAVE_CUDA
  if (r.device == "cuda") {
    gpu::GriffinLimSettings gl;
    gl.n_fft = s.n_fft;
    gl.iterations = s.phase_iterations;
    gl.momentum = s.fast_phase ? 0.99f : 0.0f;
    gl.reflect_pad = s.reflect_pad;
    gl.seed = s.seed;
    r.audio = gpu::griffin_lim(magnitude.data(), r.frames, gl, job);
  } else
#endif
  {
    PhaseSettings gl;
    gl.n_fft = s.n_fft;
    gl.iterations = s.phase_iterations;
    gl.momentum = s.fast_phase ? 0.99f : 0.0f;
    gl.reflect_pad = s.reflect_pad;
    gl.seed = s.seed;
    gl.threads = threads;
    r.audio = griffin_lim_cpu(magnitude, r.frames, gl, job);
  }
  r.phase_seconds = seconds_since(t1);
  if (s.peak_normalise) {
    float top = 0;
    for (float v : r.audio) top = std::max(top, std::fabs(v));
    if (top > 0)
      for (auto& v : r.audio) v /= top;
  }
  return r;
}

}  // namespace drumrnn::style
