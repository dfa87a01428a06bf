// "Style this loop", content side: the bars the engine played come back out of the generation ring and
// render again to the same samples; the styled audio is fitted to exactly N bars at the session tempo.
#include <catch2/catch.hpp>

#include <cmath>

#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "realtime/loop_capture.h"
#include "realtime/synth_kit.h"

using namespace drumrnn;
using namespace drumrnn::rt;

TEST_CASE("style loop: the captured bars render to the samples the engine played", "[rt][style]") {
  const auto model = std::shared_ptr<const DrumRnn>(load_model(default_model_path()).model);
  const auto kit = std::make_shared<Kit>(make_synth_kit(48000));
  EngineConfig config;
  config.bpm = 132;
  GenerationOptions g;
  g.seed = 5;
  GenerationService generation(model, g);
  Engine engine(config, kit, generation);
  const double frames_per_step = 48000 * 60.0 / (132 * 4.0);
  const int bars = 2;
  const auto played = render_offline(engine, std::llround(frames_per_step * 16 * (bars + 1)) + 100);
  const auto snap = engine.snapshot();
  REQUIRE(snap.next_step >= 16 * (bars + 1));

  const CapturedBars cap = capture_bars(generation, snap.next_step, bars);
  CHECK(cap.first_step == snap.next_step / 16 * 16 - 16 * bars);
  REQUIRE(cap.classes.size() == size_t(16 * bars));
  int hits = 0;
  for (int c : cap.classes) hits += c != 0;
  REQUIRE(hits > 4);

  // The first two bars, rendered again from their steps, are the samples the engine played then.
  const CapturedBars first = capture_bars(generation, 16 * bars, bars);
  const auto again = render_steps(first.classes, model, kit, config);
  REQUIRE(again.left.size() == size_t(std::llround(frames_per_step * 16 * bars)));
  double diff = 0, energy = 0;
  for (size_t i = 0; i < again.left.size(); ++i) {
    diff += std::fabs(again.left[i] - played.left[i]);
    energy += std::fabs(played.left[i]);
  }
  CHECK(energy > 100);
  CHECK(diff <= 1e-4 * energy);

  CHECK_THROWS_AS(capture_bars(generation, 16, 2), std::invalid_argument);   // only one bar played
  CHECK_THROWS_AS(capture_bars(generation, 16 * 40, 31), std::invalid_argument);  // more than the ring keeps
}

TEST_CASE("style loop: styled audio is fitted to exactly N bars at the session's tempo and rate", "[rt][style]") {
  // 22,050 Hz audio with a click on every beat, a hop short of 2 bars at 120 BPM (a STFT round trip).
  const int rate = 22050, bars = 2;
  std::vector<float> mono(size_t(rate * 4 - 512), 0.0f);
  for (int beat = 0; beat < 8; ++beat) mono[size_t(beat * rate / 2)] = 1.0f;
  const auto loop = tempo_locked_loop(mono, rate, bars, 120, 48000, "styled");
  REQUIRE(loop->left.size() == size_t(48000 * 4));
  CHECK(loop->beats == 8.0);
  CHECK(loop->right == loop->left);
  // Each click stays on its beat (within the resampler's few-sample spread).
  for (int beat = 0; beat < 8; ++beat) {
    const size_t from = size_t(beat * 24000 > 200 ? beat * 24000 - 200 : 0);
    size_t best = from;
    for (size_t i = from; i < size_t(beat * 24000 + 200); ++i)
      if (std::fabs(loop->left[i]) > std::fabs(loop->left[best])) best = i;
    CHECK(std::llabs(int64_t(best) - beat * 24000) <= 2);
  }
  CHECK(loop->left.back() == 0.0f);  // the fade at the wrap
  // A longer input is trimmed, not squeezed.
  std::vector<float> longer(size_t(rate * 5), 0.1f);
  CHECK(tempo_locked_loop(longer, rate, 1, 120, 48000, "x")->left.size() == 96000);
  CHECK_THROWS_AS(tempo_locked_loop({}, rate, 1, 120, 48000, "x"), std::invalid_argument);
}
