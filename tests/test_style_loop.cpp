// "Style this loop" on a real JACK server (dummy driver): while the engine plays, a background job
// captures the last bar, renders it, styles it and drops it into the loop slot; a separate JACK client
// hears the loop after the swap, the snapshot shows the slot active, and no xrun happens.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "jack_audio_recorder.h"
#include "jack_fixture.h"
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "realtime/jack_backend.h"
#include "realtime/offline_render.h"
#include "realtime/style_loop_job.h"
#include "realtime/synth_kit.h"
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
  REQUIRE(recorder.connect(backend.name() + ":out_left"));
  engine.send({ControlTarget::play, 0, 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));  // two bars played
  const size_t before_job = recorder.recorded();

  // The style engine's seam. This test is about the live job, not the style algorithm (test_style and
  // test_gpu_style check that), so the renderer is a cheap, unmistakable transform: the bar reversed
  // and resampled to 22,050 Hz, as the style path's output rate is.
  StyleRenderer reverse = [](const std::vector<float>& content, double rate, JobObserver&) {
    StyledAudio out;
    out.rate = 22050;
    const double step = rate / out.rate;
    for (double t = double(content.size()) - 1; t >= 0; t -= step) out.samples.push_back(content[size_t(t)]);
    return out;
  };
  StyleLoopRequest request;
  request.bars = 1;
  request.model = model;
  request.kit = kit;
  // Run as the Worker runs a job: on another thread, through its Job interface.
  StyleLoopJob job(engine, request, reverse);
  std::thread worker([&] { job.run(WorkerContext{}, silent_job()); });
  worker.join();
  const std::shared_ptr<const LoopBuffer> loop = job.loop;
  REQUIRE(loop);
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
  CHECK(engine.xruns() == 0);
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
