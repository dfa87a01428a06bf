// "Style this loop" on a real JACK server (dummy driver): while the engine plays, a background job
// captures the last bar, renders it, styles it (the real CPU style transfer) and drops it into the loop slot; a separate JACK client
// hears the loop after the swap, the snapshot shows the slot active, and no xrun happens.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "jack_audio_recorder.h"
#include "jack_fixture.h"
#include "scheduling_probe.h"
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "realtime/jack_backend.h"
#include "realtime/offline_render.h"
#include "realtime/style_loop_job.h"
#include "realtime/synth_kit.h"
#include "style/audio_file.h"
#include "style/style_transfer.h"
#include "test_support.h"

using namespace drumrnn;
using namespace drumrnn::rt;

namespace {

// Block peaks of |x|, 64 samples a block: an envelope that survives the limiter and a few samples of
// misalignment.
std::vector<double> envelope(const float* x, size_t n) {
  std::vector<double> e(n / 64);
  for (size_t b = 0; b < e.size(); ++b)
    for (size_t i = 0; i < 64; ++i) e[b] = std::max(e[b], double(std::fabs(x[b * 64 + i])));
  return e;
}

// The best Pearson correlation of `heard` against `loop` over all cyclic shifts.
double best_cyclic_correlation(const std::vector<double>& heard, const std::vector<double>& loop) {
  const size_t n = std::min(heard.size(), loop.size());
  double best = -1;
  for (size_t shift = 0; shift < loop.size(); ++shift) {
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < n; ++i) {
      const double a = heard[i], b = loop[(i + shift) % loop.size()];
      sa += a, sb += b, saa += a * a, sbb += b * b, sab += a * b;
    }
    const double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
    if (va > 0 && vb > 0) best = std::max(best, cov / std::sqrt(va * vb));
  }
  return best;
}

}  // namespace

TEST_CASE("style loop: the styled bar arrives in the loop slot at a bar line, heard on JACK, zero xruns",
          "[rt][jack][style]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  test::JackServer server("style");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");

  const auto model = std::shared_ptr<const DrumRnn>(load_model(default_model_path()).model);
  const auto kit = std::make_shared<const Kit>(make_synth_kit(48000));
  GenerationOptions g;
  g.seed = 3;
  GenerationService generation(model, g);
  JackBackend backend("drumrnn-style-under-test", server.name());
  EngineConfig config;
  config.sample_rate = backend.sample_rate();
  config.bpm = 240;  // one bar = 1 s, so the test stays short
  Engine engine(config, kit, generation);
  test::JackAudioRecorder recorder(server.name(), 12.0);
  REQUIRE(recorder.ok());
  generation.start_threads();
  backend.start(engine, false);
  test::SchedulingProbe probe(double(backend.buffer_size()) / backend.sample_rate());
  REQUIRE(recorder.connect(backend.name() + ":out_left"));
  engine.send({ControlTarget::play, 0, 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // two bars played
  const size_t before_job = recorder.recorded();

  // The real CPU style transfer, single-threaded as the live job runs it, with a chord as the style;
  // smaller than the live job's CPU size (512 filters, 60 iterations) so the test stays short. The
  // JACK server here has no real-time priority, so a long render beside it can be heard as an xrun
  // that a real-time server would not have.
  std::vector<float> chord(22050 * 2);
  for (size_t i = 0; i < chord.size(); ++i)
    chord[i] = float(0.2 * (std::sin(2 * M_PI * 440 * i / 22050.0) + std::sin(2 * M_PI * 554 * i / 22050.0)));
  std::string used_device;
  StyleRenderer styled = [&](const std::vector<float>& content, double rate, JobObserver& observer) {
    style::StyleSettings s;
    s.device = "cpu", s.filters = 128, s.iterations = 30, s.phase_iterations = 16, s.fast_phase = true;
    s.alpha = 1e-2f, s.threads = 1;
    const auto r = style::run_style_transfer(s, style::resample(content, rate, 22050), {chord}, observer);
    used_device = r.device;
    StyledAudio out;
    out.samples = r.audio;
    out.rate = 22050;
    return out;
  };
  StyleLoopRequest request;
  request.bars = 1;
  request.model = model;
  request.kit = kit;
  // On the background Worker, as the live session runs it (CPU backend, SCHED_IDLE).
  WorkerOptions wo;
  wo.device = "cpu";
  Worker worker(wo);
  worker.submit(std::make_unique<StyleLoopJob>(engine, request, styled));
  REQUIRE(worker.wait_idle(std::chrono::seconds(120)));
  auto finished = worker.take_finished();
  REQUIRE(finished.size() == 1);
  INFO(finished[0].error);
  REQUIRE(finished[0].state == JobState::done);
  auto& job = dynamic_cast<StyleLoopJob&>(*finished[0].job);
  const std::shared_ptr<const LoopBuffer> loop = job.loop;
  REQUIRE(loop);
  CHECK(used_device == "cpu");
  REQUIRE(loop->left.size() == 48000);  // exactly one bar at 240 BPM
  // It lands at the next bar line and ramps in within ~50 ms.
  for (int i = 0; i < 300 && engine.snapshot().crossfade < 1.0f; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto snap = engine.snapshot();
  CHECK(snap.crossfade == 1.0f);
  CHECK(snap.crossfade_target == 1.0f);
  const size_t after_swap = recorder.recorded();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const size_t end = recorder.recorded();
  backend.stop();

  REQUIRE(end >= after_swap + 48000 + 4800);
  const auto heard = recorder.samples(end);
  const auto loop_env = envelope(loop->left.data(), loop->left.size());
  const double after = best_cyclic_correlation(envelope(heard.data() + after_swap + 4800, 48000), loop_env);
  const double before = best_cyclic_correlation(envelope(heard.data() + before_job - 48000, 48000), loop_env);
  INFO("correlation with the styled loop: before the job " << before << ", after the swap " << after);
  CHECK(after > 0.9);
  CHECK(after > before + 0.2);
  probe.stop();
  const auto load = engine.load();
  INFO(probe.describe() << "; callback load p99 " << load.p99 * 100 << "%, max " << load.max * 100 << "%");
  CHECK(load.p99 < 0.25);
  if (probe.kept_deadlines()) CHECK(engine.xruns() == 0);
  else WARN(engine.xruns() << " xruns not held against the engine: " << probe.describe());
  CHECK(engine.snapshot().late_steps == 0);
}

TEST_CASE("live --style: a missing, unreadable or too short style file, or bad bars, is one line", "[rt][style]") {
  auto r = test::run_drumrnn({"live", "--headless", "--style", "/no/such/style.wav", "--duration", "1"});
  test::check_one_line_error(r, "/no/such/style.wav");
  const std::string junk = DRUMRNN_SOURCE_DIR "/README.md";  // exists, but is no sound file
  r = test::run_drumrnn({"live", "--headless", "--style", junk, "--duration", "1"});
  test::check_one_line_error(r, "README.md");
  r = test::run_drumrnn({"live", "--headless", "--style", junk, "--style-bars", "40", "--duration", "1"});
  test::check_one_line_error(r, "--style-bars");
  test::TempDir dir;
  const std::string short_clip = dir.str("click.wav");
  RenderedAudio click;
  click.left.assign(100, 0.5f);
  click.right = click.left;
  write_wav(short_clip, click);
  r = test::run_drumrnn({"live", "--headless", "--style", short_clip, "--duration", "1"});
  test::check_one_line_error(r, "click.wav");
}
