#include "app/live_style.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

#include <samplerate.h>

#include "realtime/loop_slot.h"
#include "style/style_transfer.h"

namespace drumrnn {
namespace {

constexpr int kStyleRate = 22050, kFft = 2048;

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

// The style render of one captured loop, through the same run_style_transfer as `drumrnn style`.
rt::StyleRenderer renderer(std::vector<std::vector<float>> styles, style::StyleSettings settings) {
  return [styles = std::move(styles), settings](const std::vector<float>& content, double rate, JobObserver& job) {
    style::StyleSettings s = settings;
    s.seconds = std::max(1.0, double(content.size()) / rate + 1.0);  // the whole captured loop
    auto r = style::run_style_transfer(s, mono_at(content, rate, kStyleRate), styles, job);
    rt::StyledAudio out;
    out.samples = std::move(r.audio);
    out.rate = kStyleRate;
    return out;
  };
}

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
  std::string note;
  const std::string device = style::resolve_device(o.device, note);  // throws for cuda without a GPU
  style::StyleSettings s;
  s.device = device;
  s.seed = o.seed;
  if (device == "cuda") {
    description = "style this loop on the GPU (4096 filters, 300 L-BFGS iterations, 500 Griffin-Lim)";
  } else {
    // A reduced size, so that a 2-bar loop is styled within a few bars on one low-priority core
    // (the audio and the other worker keep the rest): 512 filters, 60 L-BFGS iterations, fast
    // Griffin-Lim with 32 iterations. Ulyanov's alpha keeps the style audible at this size.
    s.filters = 512;
    s.iterations = 60;
    s.phase_iterations = 32;
    s.fast_phase = true;
    s.alpha = 1e-2f;
    s.threads = 1;
    description = "style this loop on the CPU (" + (note.empty() ? std::string() : note + "; ") +
                  "512 filters, 60 L-BFGS iterations, fast Griffin-Lim)";
  }
  return renderer(std::move(styles), s);
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
