#include <catch2/catch.hpp>

#include "music/python_random.h"
#include "music/sequences.h"

using namespace drumrnn;
using magenta::NoteSequence;

static void add_note(NoteSequence& ns, int pitch, double start, double end, bool drum = true, int velocity = 100) {
  auto* n = ns.add_notes();
  n->set_pitch(pitch);
  n->set_velocity(velocity);
  n->set_start_time(start);
  n->set_end_time(end);
  n->set_is_drum(drum);
  if (drum) n->set_instrument(9);
  ns.set_total_time(std::max(ns.total_time(), end));
}

static void add_tempo(NoteSequence& ns, double time, double qpm) {
  auto* t = ns.add_tempos();
  t->set_time(time);
  t->set_qpm(qpm);
}

static void add_time_signature(NoteSequence& ns, double time, int num, int den) {
  auto* t = ns.add_time_signatures();
  t->set_time(time);
  t->set_numerator(num);
  t->set_denominator(den);
}

TEST_CASE("quantize_to_step truncates like note_seq (facts 10.7)", "[music]") {
  CHECK(quantize_to_step(8.0001, 4) == 32);
  CHECK(quantize_to_step(8.4999, 4) == 34);
  CHECK(quantize_to_step(8.4999, 4, 1.0) == 33);
  CHECK(quantize_to_step(0.06, 8) == 0);
  CHECK(quantize_to_step(0.0624, 8) == 0);
  CHECK(quantize_to_step(0.0625, 8) == 1);
  CHECK(quantize_to_step(0.124, 8) == 1);
  CHECK(quantize_to_step(0.1875, 8) == 2);
}

TEST_CASE("quantize_note_sequence: steps, zero-length bump, total steps (facts 10.7)", "[music]") {
  NoteSequence ns;
  add_tempo(ns, 0, 60);
  add_time_signature(ns, 0, 4, 4);
  add_note(ns, 12, 0.01, 10.0);
  add_note(ns, 11, 0.22, 0.50);
  add_note(ns, 40, 2.50, 3.50);
  add_note(ns, 55, 4.0, 4.01);
  add_note(ns, 52, 4.75, 5.0);
  const NoteSequence q = quantize_note_sequence(ns, 4);
  const int64_t expect[5][2] = {{0, 40}, {1, 2}, {10, 14}, {16, 17}, {19, 20}};
  for (int i = 0; i < 5; ++i) {
    CHECK(q.notes(i).quantized_start_step() == expect[i][0]);
    CHECK(q.notes(i).quantized_end_step() == expect[i][1]);
  }
  CHECK(q.total_quantized_steps() == 40);
  CHECK(q.quantization_info().steps_per_quarter() == 4);
  CHECK(steps_per_bar_of(q) == 16);
}

TEST_CASE("quantizer rejects tempo and meter changes and bad meters, accepts 3/4", "[music]") {
  NoteSequence base;
  add_note(base, 36, 0, 1);
  NoteSequence tempos = base;
  add_tempo(tempos, 0, 120);
  add_tempo(tempos, 0.5, 90);
  CHECK_THROWS_AS(quantize_note_sequence(tempos, 4), QuantizeError);
  NoteSequence late = base;
  add_tempo(late, 0.5, 90);  // implicit 120 at 0, then 90
  CHECK_THROWS_AS(quantize_note_sequence(late, 4), QuantizeError);
  NoteSequence meters = base;
  add_time_signature(meters, 0, 4, 4);
  add_time_signature(meters, 0.5, 3, 4);
  CHECK_THROWS_AS(quantize_note_sequence(meters, 4), QuantizeError);
  NoteSequence bad = base;
  add_time_signature(bad, 0, 4, 3);
  try {
    quantize_note_sequence(bad, 4);
    FAIL("expected BadTimeSignature");
  } catch (const QuantizeError& e) {
    CHECK(e.kind == QuantizeError::Kind::bad_time_signature);
  }
  NoteSequence waltz = base;
  add_time_signature(waltz, 0, 3, 4);
  CHECK(steps_per_bar_of(quantize_note_sequence(waltz, 4)) == 12);
}

TEST_CASE("split_on_time_changes cuts at a tempo change (facts 10.8)", "[music]") {
  NoteSequence ns;
  add_tempo(ns, 0, 120);
  add_tempo(ns, 2.0, 60);
  add_time_signature(ns, 0, 4, 4);
  add_note(ns, 36, 0, 0.5);
  add_note(ns, 38, 1.5, 2.5);
  add_note(ns, 42, 3.0, 3.5);
  const auto pieces = split_on_time_changes(ns);
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[0].total_time() == 2.0);
  REQUIRE(pieces[0].tempos_size() == 1);
  CHECK(pieces[0].tempos(0).qpm() == 120);
  REQUIRE(pieces[0].notes_size() == 2);
  CHECK(pieces[0].notes(1).end_time() == 2.0);
  CHECK(pieces[0].subsequence_info().end_time_offset() == 1.5);
  CHECK(pieces[1].total_time() == 1.5);
  REQUIRE(pieces[1].tempos_size() == 1);
  CHECK(pieces[1].tempos(0).qpm() == 60);
  CHECK(pieces[1].tempos(0).time() == 0);
  REQUIRE(pieces[1].time_signatures_size() == 1);
  CHECK(pieces[1].time_signatures(0).time() == 0);
  REQUIRE(pieces[1].notes_size() == 1);
  CHECK(pieces[1].notes(0).start_time() == 1.0);
  CHECK(pieces[1].subsequence_info().start_time_offset() == 2.0);
}

TEST_CASE("split: repeated equal tempos are not changes - an empty sequence gives no pieces", "[music]") {
  NoteSequence ns;
  add_tempo(ns, 0, 120);
  add_tempo(ns, 1.0, 120);
  add_note(ns, 36, 0, 2);
  CHECK(split_on_time_changes(ns).size() == 1);
  CHECK(split_on_time_changes(NoteSequence{}).empty());
}

TEST_CASE("PythonRandom reproduces CPython's random.seed(N) - random.random()", "[music]") {
  PythonRandom r(1);
  CHECK(r.random() == Approx(0.13436424411240122).epsilon(1e-15));
  CHECK(r.random() == Approx(0.8474337369372327).epsilon(1e-15));
  PythonRandom r42(42);
  CHECK(r42.random() == Approx(0.6394267984578837).epsilon(1e-15));
}
