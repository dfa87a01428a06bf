// MIDI files written by other writers (mido, pretty_midi), read with drumrnn's reader and compared
// with what pretty_midi reads from the same bytes: the content Magenta's midi_to_note_sequence copies
// (magenta-drums-facts.md §4). The fixtures and expected.json come from
// tests/fixtures/make_foreign_midi_fixtures.py; test_midi_io.cpp covers files from our own writer.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "music/midi_io.h"

using namespace drumrnn;
using nlohmann::json;

namespace {

// pretty_midi computes times in float64 with a tick-to-time table; ours follows the same arithmetic,
// so agreement is expected to the last bit. 1e-9 s (the brief's bound) leaves room for a different
// but still exact-to-the-nanosecond summation order; exact counts are checked separately below.
constexpr double kTimeTolerance = 1e-9;
// qpm = 60 / (tick_scale * resolution) in pretty_midi: compared relatively, same reasoning.
constexpr double kQpmRelTolerance = 1e-12;

std::string fixture_dir() { return std::string(DRUMRNN_SOURCE_DIR) + "/tests/fixtures/foreign_midi/"; }

const json& expected_files() {
  static const json doc = [] {
    std::ifstream in(fixture_dir() + "expected.json");
    REQUIRE(in.good());
    return json::parse(in);
  }();
  return doc.at("files");
}

// How many compared times differed at all (within tolerance); reported, not asserted.
struct TimeCheck {
  int compared = 0, inexact = 0;
  void operator()(const std::string& what, double got, double want) {
    INFO(what << ": got " << got << ", pretty_midi " << want);
    CHECK(got == Approx(want).margin(kTimeTolerance).epsilon(0));
    ++compared;
    if (got != want) ++inexact;
  }
};

void compare(const std::string& name, const magenta::NoteSequence& ns, const json& want, TimeCheck& time) {
  INFO("fixture " << name);
  CHECK(ns.ticks_per_quarter() == want.at("ticks_per_quarter").get<int>());
  CHECK(ns.source_info().encoding_type() == 3);
  CHECK(ns.source_info().parser() == 2);

  const json& tempos = want.at("tempos");
  REQUIRE(ns.tempos_size() == int(tempos.size()));
  for (int i = 0; i < ns.tempos_size(); ++i) {
    time("tempo " + std::to_string(i) + " time", ns.tempos(i).time(), tempos[i].at("time"));
    const double qpm = tempos[i].at("qpm");
    INFO("tempo " << i << " qpm " << ns.tempos(i).qpm() << " vs " << qpm);
    CHECK(ns.tempos(i).qpm() == Approx(qpm).epsilon(kQpmRelTolerance));
  }

  const json& sigs = want.at("time_signatures");
  REQUIRE(ns.time_signatures_size() == int(sigs.size()));
  for (int i = 0; i < ns.time_signatures_size(); ++i) {
    time("time signature " + std::to_string(i), ns.time_signatures(i).time(), sigs[i].at("time"));
    CHECK(ns.time_signatures(i).numerator() == sigs[i].at("numerator").get<int>());
    CHECK(ns.time_signatures(i).denominator() == sigs[i].at("denominator").get<int>());
  }

  const json& keys = want.at("key_signatures");
  REQUIRE(ns.key_signatures_size() == int(keys.size()));
  for (int i = 0; i < ns.key_signatures_size(); ++i) {
    time("key signature " + std::to_string(i), ns.key_signatures(i).time(), keys[i].at("time"));
    const int key_number = keys[i].at("key_number");
    CHECK(ns.key_signatures(i).key() == key_number % 12);
    CHECK(ns.key_signatures(i).mode() == key_number / 12);
  }

  // Magenta emits notes, then pitch bends, then control changes instrument by instrument, with
  // `instrument` = the pretty_midi instrument's index.
  int note = 0, bend = 0, cc = 0, named = 0;
  const json& instruments = want.at("instruments");
  for (int k = 0; k < int(instruments.size()); ++k) {
    const json& inst = instruments[k];
    INFO("instrument " << k);
    const int program = inst.at("program");
    const bool is_drum = inst.at("is_drum");
    if (!inst.at("name").get<std::string>().empty()) {
      REQUIRE(named < ns.instrument_infos_size());
      CHECK(ns.instrument_infos(named).instrument() == k);
      CHECK(ns.instrument_infos(named).name() == inst.at("name").get<std::string>());
      ++named;
    }
    for (const json& n : inst.at("notes")) {
      INFO("note " << note);
      REQUIRE(note < ns.notes_size());
      const auto& got = ns.notes(note++);
      CHECK(got.instrument() == k);
      CHECK(got.program() == program);
      CHECK(got.is_drum() == is_drum);
      CHECK(got.pitch() == n.at("pitch").get<int>());
      CHECK(got.velocity() == n.at("velocity").get<int>());
      time("note start", got.start_time(), n.at("start"));
      time("note end", got.end_time(), n.at("end"));
    }
    for (const json& b : inst.at("pitch_bends")) {
      INFO("pitch bend " << bend);
      REQUIRE(bend < ns.pitch_bends_size());
      const auto& got = ns.pitch_bends(bend++);
      CHECK(got.instrument() == k);
      CHECK(got.program() == program);
      CHECK(got.is_drum() == is_drum);
      CHECK(got.bend() == b.at("bend").get<int>());
      time("pitch bend", got.time(), b.at("time"));
    }
    for (const json& c : inst.at("control_changes")) {
      INFO("control change " << cc);
      REQUIRE(cc < ns.control_changes_size());
      const auto& got = ns.control_changes(cc++);
      CHECK(got.instrument() == k);
      CHECK(got.program() == program);
      CHECK(got.is_drum() == is_drum);
      CHECK(got.control_number() == c.at("number").get<int>());
      CHECK(got.control_value() == c.at("value").get<int>());
      time("control change", got.time(), c.at("time"));
    }
  }
  CHECK(ns.notes_size() == note);
  CHECK(ns.pitch_bends_size() == bend);
  CHECK(ns.control_changes_size() == cc);
  CHECK(ns.instrument_infos_size() == named);
  time("total_time", ns.total_time(), want.at("total_time"));
}

}  // namespace

TEST_CASE("files written by mido and pretty_midi read as pretty_midi reads them", "[music]") {
  const json& files = expected_files();
  REQUIRE(files.size() >= 7);
  TimeCheck time;
  for (const auto& [name, want] : files.items()) {
    const magenta::NoteSequence ns = midi_file_to_note_sequence(fixture_dir() + name);
    compare(name, ns, want, time);
  }
  // Our reader copies pretty_midi's float64 arithmetic, so every time should match exactly; this
  // would flag a change of summation order even when it stays inside the tolerance.
  INFO(time.inexact << " of " << time.compared << " times differ from pretty_midi's in the last bits");
  CHECK(time.inexact == 0);
}

// One case per fixture property the reader could get wrong, so a failure names it.
TEST_CASE("foreign MIDI: format 0 with running status across channels", "[music]") {
  const auto ns = midi_file_to_note_sequence(fixture_dir() + "format0_running_status.mid");
  // Two instruments from one track: channel 0 (program 5) and channel 1 (program 0).
  REQUIRE(ns.notes_size() == 5);
  CHECK(ns.notes(4).instrument() == 1);
  CHECK(ns.notes(4).pitch() == 48);
  CHECK(ns.tempos_size() == 2);
}

TEST_CASE("foreign MIDI: same-pitch overlaps close together, zero-length and unclosed notes vanish",
          "[music]") {
  const auto ns = midi_file_to_note_sequence(fixture_dir() + "overlapping_same_pitch.mid");
  REQUIRE(ns.notes_size() == 5);
  CHECK(ns.notes(0).end_time() == ns.notes(1).end_time());
  for (const auto& n : ns.notes()) CHECK(n.pitch() != 65);  // zero length
  for (const auto& n : ns.notes()) CHECK(n.pitch() != 70);  // never closed
}

TEST_CASE("foreign MIDI: tempo and time signature events outside track 0 are ignored", "[music]") {
  const auto ns = midi_file_to_note_sequence(fixture_dir() + "format1_tempo_map.mid");
  for (const auto& t : ns.tempos()) CHECK(t.qpm() != Approx(240.0));
  for (const auto& s : ns.time_signatures()) CHECK(s.numerator() != 5);
}
