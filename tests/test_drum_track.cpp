#include <catch2/catch.hpp>

#include "music/drum_track.h"
#include "music/sequences.h"

using namespace drumrnn;
using magenta::NoteSequence;

struct Hit {
  int pitch;
  int64_t step;
  bool drum = true;
  int velocity = 100;
};

// A quantized sequence with one note per hit, one step long.
static NoteSequence quantized(int steps_per_quarter, const std::vector<Hit>& hits, int num = 4, int den = 4) {
  NoteSequence q;
  q.mutable_quantization_info()->set_steps_per_quarter(steps_per_quarter);
  auto* ts = q.add_time_signatures();
  ts->set_numerator(num);
  ts->set_denominator(den);
  q.add_tempos()->set_qpm(120);
  for (const auto& h : hits) {
    auto* n = q.add_notes();
    n->set_pitch(h.pitch);
    n->set_velocity(h.velocity);
    n->set_is_drum(h.drum);
    n->set_quantized_start_step(h.step);
    n->set_quantized_end_step(h.step + 1);
  }
  return q;
}

static std::vector<PitchSet> events(std::initializer_list<std::pair<int, PitchSet>> hits, size_t length) {
  std::vector<PitchSet> e(length);
  for (const auto& [step, p] : hits) e[step] = p;
  return e;
}

TEST_CASE("DrumTrack from a quantized sequence groups hits by step (facts 10.4)", "[music]") {
  const NoteSequence q = quantized(4, {{12, 0}, {11, 1}, {40, 10}, {55, 16}, {60, 16}, {52, 19}, {70, 5, false}});
  const DrumTrack t = drum_track_from_quantized(q, 0, 1.0, false, false);
  CHECK(t.steps_per_bar == 16);
  CHECK(t.events == events({{0, {12}}, {1, {11}}, {10, {40}}, {16, {55, 60}}, {19, {52}}}, 20));
}

TEST_CASE("DrumTrack: 7/8 has 14 steps per bar at 4 steps/quarter", "[music]") {
  CHECK(drum_track_from_quantized(quantized(4, {{36, 0}}, 7, 8), 0, 1, false, false).steps_per_bar == 14);
  CHECK(drum_track_from_quantized(quantized(12, {{36, 0}}, 7, 8), 0, 1, false, false).steps_per_bar == 42);
  CHECK_THROWS_AS(drum_track_from_quantized(quantized(1, {{36, 0}}, 7, 8), 0, 1, false, false),
                  NonIntegerStepsPerBarError);
}

TEST_CASE("DrumTrack: search start and bar alignment (facts 10.4)", "[music]") {
  const NoteSequence q = quantized(4, {{10, 4}, {11, 9}, {12, 13}, {14, 35}, {15, 37}});
  const DrumTrack t = drum_track_from_quantized(q, 18, 1, false, false);
  CHECK(t.start_step == 34);
  CHECK(t.end_step() == 38);
  CHECK(t.events == events({{1, {14}}, {3, {15}}}, 4));
}

TEST_CASE("extract_drum_tracks: gaps, min_bars, padding, truncation (facts 10.5)", "[music]") {
  DrumExtractOptions o;
  o.min_bars = 1;
  o.gap_bars = 1;
  DrumExtractStats st;
  // steps_per_quarter 1 => 4 steps per bar.
  auto tracks = extract_drum_tracks(quantized(1, {{12, 2}, {11, 6, true, 1}, {12, 6, true, 1}, {99, 3, false}}), o, st);
  REQUIRE(tracks.size() == 1);
  CHECK(tracks[0].events == events({{2, {12}}, {6, {11, 12}}}, 7));

  o.gap_bars = 2;
  tracks = extract_drum_tracks(quantized(1, {{12, 2}, {11, 6}, {14, 6}, {50, 33}, {52, 37}}), o, st);
  REQUIRE(tracks.size() == 2);
  CHECK(tracks[0].events == events({{2, {12}}, {6, {11, 14}}}, 7));
  CHECK(tracks[1].start_step == 32);
  CHECK(tracks[1].events == events({{1, {50}}, {5, {52}}}, 6));

  o.gap_bars = 1;
  o.min_bars = 2;
  st = {};
  CHECK(extract_drum_tracks(quantized(1, {{12, 3}, {13, 6}}), o, st).empty());
  CHECK(st.discarded_too_short == 1);
  tracks = extract_drum_tracks(quantized(1, {{12, 3}, {13, 7}}), o, st);
  REQUIRE(tracks.size() == 1);
  CHECK(tracks[0].events.size() == 8);

  o.min_bars = 1;
  o.pad_end = true;
  tracks = extract_drum_tracks(quantized(1, {{12, 2}, {13, 6}, {14, 8}}), o, st);
  REQUIRE(tracks.size() == 1);
  CHECK(tracks[0].events.size() == 12);

  o.pad_end = false;
  o.max_steps_truncate = 14;
  st = {};
  tracks = extract_drum_tracks(quantized(1, {{12, 2}, {13, 6}, {14, 10}, {15, 14}}), o, st);
  REQUIRE(tracks.size() == 1);
  CHECK(tracks[0].events.size() == 14);
  CHECK(st.truncated == 1);

  o.max_steps_truncate = 0;
  o.max_steps_discard = 18;
  st = {};
  CHECK(extract_drum_tracks(quantized(1, {{12, 2}, {13, 6}, {14, 10}, {15, 14}, {16, 18}}), o, st).empty());
  CHECK(st.discarded_too_long == 1);

  o.max_steps_discard = 0;
  tracks = extract_drum_tracks(quantized(1, {{12, 102}, {13, 104}}), o, st);
  REQUIRE(tracks.size() == 1);
  CHECK(tracks[0].start_step == 100);
  CHECK(tracks[0].events == events({{2, {12}}, {4, {13}}}, 5));
}

TEST_CASE("extract_drum_tracks: zero-velocity hits and non-drum notes are ignored", "[music]") {
  DrumExtractOptions o;
  o.min_bars = 1;
  DrumExtractStats st;
  auto tracks = extract_drum_tracks(quantized(4, {{36, 0}, {38, 4, true, 0}, {40, 8, false}, {42, 15}}), o, st);
  REQUIRE(tracks.size() == 1);
  CHECK(tracks[0].events == events({{0, {36}}, {15, {42}}}, 16));
}

TEST_CASE("drum_track_to_sequence: one step per note, offset by the start step (facts 10.4)", "[music]") {
  DrumTrack t;
  t.events = {{}, {1, 2}, {}, {}, {}, {2}, {3}, {}, {}};
  t.start_step = 8;  // 2 s at 60 qpm, 4 steps per quarter
  t.steps_per_quarter = 4;
  const NoteSequence ns = drum_track_to_sequence(t, 60, 10);
  REQUIRE(ns.notes_size() == 4);
  CHECK(ns.notes(0).start_time() == 2.25);
  CHECK(ns.notes(0).end_time() == 2.5);
  CHECK(ns.notes(3).pitch() == 3);
  CHECK(ns.notes(3).start_time() == 3.5);
  CHECK(ns.notes(0).instrument() == 9);
  CHECK(ns.notes(0).is_drum());
  CHECK(ns.ticks_per_quarter() == 220);
  CHECK(ns.total_time() == 3.75);
  CHECK(drum_track_to_sequence(DrumTrack{}, 60).notes_size() == 0);
}
