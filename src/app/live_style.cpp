#include "app/live_style.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

#include <samplerate.h>

#include "realtime/loop_slot.h"
#ifdef DRUMRNN_HAVE_CUDA
#include "style/cuda/gpu_style.h"
#endif

namespace drumrnn {
namespace {

constexpr int kStyleRate = 22050, kFft = 2048, kMaxFrames = 430;

std::vector<float> mono_at(const std::vector<float>& x, double rate, double to) {
  if (rate == to) return x;
  std::vector<float> out(static_cast<size_t>(std::ceil(double(x.size()) * to / rate)) + 64);
  SRC_DATA d{};
  d.data_in = x.data();
  d.input_frames = static_cast<long>(x.size());
  d.data_out = out.data();
  d.output_frames = static_cast<long>(out.size());
  d.src_ratio = to / rate;
  if (int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1))
    throw std::runtime_error(std::string("style: resampling failed: ") + src_strerror(err));
  out.resize(static_cast<size_t>(d.output_frames_gen));
  return out;
}

#ifdef DRUMRNN_HAVE_CUDA
std::vector<float> log_spectrogram(const std::vector<float>& y, int& frames) {
  auto mag = style::gpu::stft_magnitude(y.data(), int(y.size()), kFft, true);
  const int bins = kFft / 2 + 1;
  frames = std::min<int>(int(mag.size() / bins), kMaxFrames);
  mag.resize(size_t(frames) * bins);
  for (auto& v : mag) v = std::log1p(v);
  return mag;
}

// The whole style transfer on the GPU at the reference size (4,096 filters, 300 L-BFGS iterations,
// 500 Griffin-Lim iterations): about a second on an H100-class GPU.
rt::StyleRenderer gpu_renderer(std::vector<std::vector<float>> styles, uint64_t seed) {
  return [styles = std::move(styles), seed](const std::vector<float>& content, double rate, JobObserver& job) {
    namespace g = style::gpu;
    int tc = 0;
    const auto xc = log_spectrogram(mono_at(content, rate, kStyleRate), tc);
    std::vector<std::vector<float>> xs(styles.size());
    std::vector<g::StyleClip> clips;
    for (size_t i = 0; i < styles.size(); ++i) {
      int t = 0;
      xs[i] = log_spectrogram(styles[i], t);
      clips.push_back({xs[i].data(), t});
    }
    g::NetworkShape shape;
    shape.channels = kFft / 2 + 1;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0, 1);
    std::vector<float> w(size_t(shape.filters) * shape.channels * shape.kernel_width);
    const float std_w = std::sqrt(2.0f) * std::sqrt(2.0f / float((shape.channels + shape.filters) * shape.kernel_width));
    for (auto& v : w) v = normal(rng) * std_w;
    g::StyleLoss loss(shape, w.data(), {xc.data(), tc}, clips);
    std::vector<float> x(xc.size());
    for (auto& v : x) v = 1e-3f * normal(rng);
    g::minimise(loss, x.data(), g::LbfgsSettings{}, job);
    for (auto& v : x) v = std::max(0.0f, std::expm1(v));
    g::GriffinLimSettings gl;
    gl.seed = seed;
    rt::StyledAudio out;
    out.samples = g::griffin_lim(x.data(), tc, gl, job);
    out.rate = kStyleRate;
    return out;
  };
}
#endif

}  // namespace

rt::StyleRenderer make_live_style_renderer(const LiveStyleOptions& o, std::string& description) {
  if (o.files.empty()) throw std::invalid_argument("--style: no style file");
  if (o.bars < 1 || o.bars > 16) throw std::invalid_argument("--style-bars: expected 1 to 16");
  std::vector<std::vector<float>> styles;
  for (const auto& path : o.files) {
    const auto loop = rt::load_loop(path, kStyleRate, 120);  // throws one line naming the file
    std::vector<float> mono(loop->left.size());
    for (size_t i = 0; i < mono.size(); ++i) mono[i] = 0.5f * (loop->left[i] + loop->right[i]);
    if (mono.size() < size_t(kFft)) throw std::runtime_error(path + ": shorter than one FFT frame (2048 samples)");
    styles.push_back(std::move(mono));
  }
  if (o.device != "auto" && o.device != "cpu" && o.device != "cuda")
    throw std::invalid_argument("--style-device " + o.device + ": expected auto, cpu or cuda");
#ifdef DRUMRNN_HAVE_CUDA
  std::string why;
  const bool gpu = o.device != "cpu" && style::gpu::device_count(why) > 0;
  if (gpu) {
    description = "style this loop on the GPU (4096 filters, 300 L-BFGS iterations, 500 Griffin-Lim)";
    return gpu_renderer(std::move(styles), o.seed);
  }
  if (o.device == "cuda") throw std::runtime_error("--style-device cuda: " + why);
#endif
  // The CPU twin is the style path's run_style_transfer (issue 14's CPU half), wired in when it lands.
  throw std::runtime_error("--style: this build's style transfer runs on a CUDA device only (no device here)");
}

LiveStyleJob::LiveStyleJob(rt::Engine& engine, rt::StyleLoopRequest request, rt::StyleRenderer render,
                           const std::string& device)
    : engine_(engine), request_(std::move(request)), render_(std::move(render)) {
  WorkerOptions w;
  w.device = device;
  worker_ = std::make_unique<Worker>(w);
}

LiveStyleJob::~LiveStyleJob() {
  worker_->cancel_all();
  worker_.reset();  // joins the worker thread
}

bool LiveStyleJob::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!worker_->idle()) return false;
  worker_->take_finished();
  job_ = worker_->submit(std::make_unique<rt::StyleLoopJob>(engine_, request_, render_));
  last_ = "style this loop: started";
  return true;
}

std::string LiveStyleJob::status() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& f : worker_->take_finished()) {
    if (f.id != job_) continue;
    if (f.state == JobState::failed) last_ = "style this loop: " + f.error;
    else if (f.state == JobState::cancelled) last_ = "style this loop: cancelled";
    else if (auto* j = dynamic_cast<rt::StyleLoopJob*>(f.job.get()); j && j->loop)
      last_ = "style this loop: " + j->loop->name + " lands at the next bar line";
  }
  if (auto st = worker_->status(job_); st && st->state == JobState::running) {
    char line[160];
    if (st->total > 0)
      std::snprintf(line, sizeof line, "style this loop: %s %lld/%lld", st->stage.c_str(), (long long)st->done,
                    (long long)st->total);
    else
      std::snprintf(line, sizeof line, "style this loop: %s", st->stage.c_str());
    last_ = line;
  }
  return last_;
}

}  // namespace drumrnn
