#include <catch2/catch.hpp>

#include "music/drums_pipeline.h"

using namespace drumrnn;

// The input of Magenta's drums_rnn_create_dataset_test (facts 10.6), run through the whole pipeline.
TEST_CASE("the drums pipeline reproduces Magenta's create_dataset test example (facts 10.6)", "[music]") {
  magenta::NoteSequence ns;
  auto* ts = ns.add_time_signatures();
  ts->set_numerator(4);
  ts->set_denominator(4);
  ns.add_tempos()->set_qpm(120);
  const std::pair<int, double> notes[] = {{36, 0.0}, {40, 2.1},  {44, 3.6},  {41, 5.1},  {64, 6.6},  {55, 8.1},
                                          {39, 9.6}, {53, 11.1}, {51, 12.6}, {55, 14.1}, {54, 15.6}, {60, 17.1}};
  for (const auto& [pitch, start] : notes) {
    auto* n = ns.add_notes();
    n->set_pitch(pitch);
    n->set_velocity(100);
    n->set_start_time(start);
    n->set_end_time(start + 0.5);
    n->set_is_drum(true);
    ns.set_total_time(start + 0.5);
  }
  const auto r = run_drums_pipeline(drum_config("drum_kit"), ns, "training");
  REQUIRE(r.examples.size() == 1);
  const EncodedSequence& ex = r.examples[0];
  CHECK(ex.steps() == 121);
  const std::map<size_t, int64_t> nonzero = {{0, 2},    {12, 4},    {24, 16},  {36, 16},  {48, 128}, {60, 2},
                                             {72, 256}, {84, 256}, {96, 128}, {108, 4}, {120, 32}};
  for (size_t i = 0; i < ex.steps(); ++i) {
    auto it = nonzero.find(i);
    CHECK(ex.labels[i] == (it == nonzero.end() ? 0 : it->second));
  }
  CHECK(r.stats.counter("DAGPipeline_DrumsExtractor_training_drum_tracks_discarded_too_short") == 1);
  CHECK(r.stats.counter("DAGPipeline_DrumsExtractor_training_drum_tracks_truncated") == 0);
  const std::string report = r.stats.format();
  CHECK_THAT(report, Catch::Contains("DAGPipeline_DrumsExtractor_training_drum_track_lengths_in_bars:\n  [7,8): 1"));
  CHECK_THAT(report, Catch::Contains("DAGPipeline_DrumsExtractor_training_drum_tracks_discarded_too_long: 0"));
}

TEST_CASE("one_drum quantizes at 2 steps per quarter and encodes 2 classes", "[music]") {
  magenta::NoteSequence ns;
  for (int i = 0; i < 64; ++i) {  // 8 bars of 8th notes at 120 qpm
    auto* n = ns.add_notes();
    n->set_pitch(i % 2 ? 42 : 36);
    n->set_velocity(90);
    n->set_start_time(i * 0.25);
    n->set_end_time(i * 0.25 + 0.1);
    n->set_is_drum(true);
  }
  ns.set_total_time(64 * 0.25);
  const auto r = run_drums_pipeline(drum_config("one_drum"), ns, "eval");
  REQUIRE(r.examples.size() == 1);
  CHECK(r.examples[0].input_size == 2);
  CHECK(r.examples[0].steps() == 63);
  for (auto label : r.examples[0].labels) CHECK(label == 1);
}
