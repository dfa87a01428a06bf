// Standard MIDI File layer: the SMF reader/writer and the pretty_midi-compatible conversions.
// Fixtures are built in code with our own writer (or by hand where the bytes must be malformed).
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "music/midi_io.h"
#include "music/smf.h"

using namespace drumrnn;

namespace {

using Kind = MidiEvent::Kind;

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

MidiEvent note_on(uint64_t tick, int channel, int pitch, int velocity) {
  return MidiEvent::make_channel(tick, kNoteOn, static_cast<uint8_t>(channel),
                                 static_cast<uint8_t>(pitch), static_cast<uint8_t>(velocity));
}
MidiEvent note_off(uint64_t tick, int channel, int pitch) {
  return MidiEvent::make_channel(tick, kNoteOff, static_cast<uint8_t>(channel),
                                 static_cast<uint8_t>(pitch), 64);
}
MidiEvent tempo_event(uint64_t tick, uint32_t us_per_quarter) {
  std::string d{static_cast<char>(us_per_quarter >> 16), static_cast<char>((us_per_quarter >> 8) & 0xFF),
                static_cast<char>(us_per_quarter & 0xFF)};
  return MidiEvent::make_meta(tick, kMetaSetTempo, d);
}

// A format 1 file: track 0 holds `meta`, track 1 holds `events`.
std::string two_track_file(std::vector<MidiEvent> meta, std::vector<MidiEvent> events,
                           int division = 220) {
  MidiFile f;
  f.division = division;
  f.tracks.push_back({std::move(meta)});
  f.tracks.push_back({std::move(events)});
  return write_smf(f);
}

// An MTrk chunk around raw event bytes.
std::string mtrk(const std::string& body) {
  std::string out = "MTrk";
  uint32_t n = static_cast<uint32_t>(body.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((n >> s) & 0xFF));
  return out + body;
}
std::string mthd(int format, int tracks, int division) {
  std::string out = hex_to_bytes("4d54686400000006");
  for (int v : {format, tracks, division}) {
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
    out.push_back(static_cast<char>(v & 0xFF));
  }
  return out;
}

magenta::NoteSequence drum_track_sequence() {
  magenta::NoteSequence ns;
  ns.set_ticks_per_quarter(220);
  ns.add_tempos()->set_qpm(120);
  auto add = [&](int pitch, double start, double end) {
    auto* n = ns.add_notes();
    n->set_pitch(pitch);
    n->set_velocity(100);
    n->set_start_time(start);
    n->set_end_time(end);
    n->set_instrument(9);
    n->set_program(0);
    n->set_is_drum(true);
  };
  add(36, 0, 0.125);
  add(42, 0, 0.125);
  add(38, 0.25, 0.375);
  return ns;
}

// Every outcome allowed on hostile input: a parse, or a MidiError. Anything else fails the test.
void parse_or_midi_error(const std::string& bytes) {
  try {
    midi_to_note_sequence(bytes);
  } catch (const MidiError&) {
  }
}

}  // namespace

TEST_CASE("note_sequence_to_midi reproduces the 99-byte drum file of facts 10.12", "[music]") {
  const std::string expected = hex_to_bytes(
      "4d546864000000060001000300dc4d54726b0000001300ff510307a12000ff5804"
      "0402180801ff2f004d54726b0000000700c00001ff2f004d54726b0000002300ff"
      "03054472756d7300c90000992464002a64372400002a0037266437260001ff2f00");
  std::string got = note_sequence_to_midi(drum_track_sequence());
  REQUIRE(got.size() == 99);
  CHECK(got == expected);
}

TEST_CASE("the 10.12 file reads back as pretty_midi reads it", "[music]") {
  magenta::NoteSequence ns = midi_to_note_sequence(note_sequence_to_midi(drum_track_sequence()));
  CHECK(ns.ticks_per_quarter() == 220);
  REQUIRE(ns.tempos_size() == 1);
  CHECK(ns.tempos(0).qpm() == 120.0);
  REQUIRE(ns.time_signatures_size() == 1);
  CHECK(ns.time_signatures(0).numerator() == 4);
  CHECK(ns.time_signatures(0).denominator() == 4);
  REQUIRE(ns.notes_size() == 3);
  for (const auto& n : ns.notes()) {
    CHECK(n.is_drum());
    CHECK(n.instrument() == 0);  // the empty track 1 creates no instrument
    CHECK(n.velocity() == 100);
  }
  CHECK(ns.notes(2).pitch() == 38);
  CHECK(ns.notes(2).start_time() == 0.25);
  CHECK(ns.notes(2).end_time() == 0.375);
  CHECK(ns.total_time() == 0.375);
  REQUIRE(ns.instrument_infos_size() == 1);
  CHECK(ns.instrument_infos(0).name() == "Drums");
  CHECK(ns.source_info().encoding_type() == 3);
  CHECK(ns.source_info().parser() == 2);
}

TEST_CASE("NoteSequence -> MIDI -> NoteSequence keeps notes, tempos and signatures", "[music]") {
  magenta::NoteSequence ns;
  ns.set_ticks_per_quarter(480);
  ns.add_tempos()->set_qpm(100);  // 0.00125 s per tick
  auto* t2 = ns.add_tempos();
  t2->set_time(2.4);  // tick 1920
  t2->set_qpm(150);   // 1/1200 s per tick
  auto* ts = ns.add_time_signatures();
  ts->set_numerator(3);
  ts->set_denominator(8);
  auto add = [&](int pitch, double start, double end, int instrument, int program, bool drum) {
    auto* n = ns.add_notes();
    n->set_pitch(pitch);
    n->set_velocity(90);
    n->set_start_time(start);
    n->set_end_time(end);
    n->set_instrument(instrument);
    n->set_program(program);
    n->set_is_drum(drum);
  };
  add(36, 0.0, 0.3, 1, 0, true);
  add(60, 0.6, 2.4 + 480.0 / 1200, 2, 33, false);  // spans the tempo change
  magenta::NoteSequence back = midi_to_note_sequence(note_sequence_to_midi(ns));

  CHECK(back.ticks_per_quarter() == 480);
  REQUIRE(back.tempos_size() == 2);
  CHECK(back.tempos(0).qpm() == Approx(100));
  CHECK(back.tempos(1).time() == Approx(2.4));
  CHECK(back.tempos(1).qpm() == Approx(150));
  REQUIRE(back.time_signatures_size() == 1);
  CHECK(back.time_signatures(0).numerator() == 3);
  CHECK(back.time_signatures(0).denominator() == 8);
  REQUIRE(back.notes_size() == 2);
  CHECK(back.notes(0).pitch() == 36);
  CHECK(back.notes(0).is_drum());
  CHECK(back.notes(0).end_time() == Approx(0.3));
  CHECK(back.notes(1).pitch() == 60);
  CHECK_FALSE(back.notes(1).is_drum());
  CHECK(back.notes(1).program() == 33);
  CHECK(back.notes(1).start_time() == Approx(0.6));
  CHECK(back.notes(1).end_time() == Approx(2.8));
  REQUIRE(back.instrument_infos_size() == 2);
  CHECK(back.instrument_infos(0).name() == "Drums");
  CHECK(back.instrument_infos(1).name() == "Electric Bass (finger)");
}

TEST_CASE("SMF writer uses running status and the reader undoes it", "[music]") {
  MidiFile f;
  f.division = 96;
  f.tracks.push_back({{note_on(0, 9, 36, 100), note_on(0, 9, 42, 80), note_on(10, 9, 36, 0),
                       MidiEvent::make_meta(10, 0x01, "x"), note_on(12, 9, 42, 0)}});
  std::string bytes = write_smf(f);
  // 99 24 64 | 00 2a 50 | 0a 24 00 | 00 ff 01 01 78 | 02 99 2a 00 (status again after a meta)
  CHECK(bytes.find(hex_to_bytes("00992464002a500a2400")) != std::string::npos);
  CHECK(bytes.find(hex_to_bytes("00ff01017802992a00")) != std::string::npos);
  MidiFile back = parse_smf(bytes);
  REQUIRE(back.tracks.size() == 1);
  const auto& ev = back.tracks[0].events;
  REQUIRE(ev.size() == 6);  // + end_of_track
  CHECK(ev[1].channel == 9);
  CHECK(ev[1].data1 == 42);
  CHECK(ev[1].data2 == 80);
  CHECK(ev[4].tick == 12);
  CHECK(ev[5].status == kMetaEndOfTrack);
}

TEST_CASE("running status survives meta events when reading, as in mido", "[music]") {
  // note_on 60, text meta, then a bare data pair that still belongs to status 0x90.
  std::string body = hex_to_bytes("00903c64" "00ff0100" "003e64" "10803c00" "003e00" "00ff2f00");
  auto ns = midi_to_note_sequence(mthd(0, 1, 96) + mtrk(body));
  REQUIRE(ns.notes_size() == 2);
  CHECK(ns.notes(1).pitch() == 62);
}

TEST_CASE("a meta type unknown to mido loses its delta time, as in Magenta", "[music]") {
  // note_on at 0, an 0x08 (program name) meta 48 ticks later, note_off 48 ticks after that: mido
  // drops the 48 of the unknown meta, so the note ends at tick 48, not 96.
  std::string body = hex_to_bytes("00903c64" "30ff080178" "30803c00" "00ff2f00");
  auto ns = midi_to_note_sequence(mthd(0, 1, 96) + mtrk(body));
  REQUIRE(ns.notes_size() == 1);
  CHECK(ns.notes(0).end_time() == Approx(0.25));
  std::string known = hex_to_bytes("00903c64" "30ff010178" "30803c00" "00ff2f00");  // text meta
  CHECK(midi_to_note_sequence(mthd(0, 1, 96) + mtrk(known)).notes(0).end_time() == Approx(0.5));
}

TEST_CASE("note-on with velocity 0 and note-off both end notes", "[music]") {
  auto ns = midi_to_note_sequence(two_track_file(
      {}, {note_on(0, 0, 60, 100), note_on(0, 0, 64, 90), note_on(96, 0, 60, 0),
           note_off(192, 0, 64), note_off(200, 0, 67)}, 96));
  REQUIRE(ns.notes_size() == 2);
  CHECK(ns.notes(0).pitch() == 60);
  CHECK(ns.notes(0).end_time() == Approx(0.5));
  CHECK(ns.notes(1).pitch() == 64);
  CHECK(ns.notes(1).velocity() == 90);
  CHECK(ns.notes(1).end_time() == Approx(1.0));
}

TEST_CASE("overlapping notes of one pitch follow pretty_midi's rules", "[music]") {
  SECTION("one note-off closes every earlier open note") {
    auto ns = midi_to_note_sequence(two_track_file(
        {}, {note_on(0, 0, 60, 100), note_on(48, 0, 60, 50), note_on(96, 0, 60, 0)}, 96));
    REQUIRE(ns.notes_size() == 2);
    CHECK(ns.notes(0).start_time() == 0.0);
    CHECK(ns.notes(1).start_time() == Approx(0.25));
    CHECK(ns.notes(1).end_time() == Approx(0.5));
  }
  SECTION("a note-on on the note-off's tick stays open when something was closed") {
    auto ns = midi_to_note_sequence(two_track_file(
        {}, {note_on(0, 0, 60, 100), note_on(96, 0, 60, 0), note_on(96, 0, 60, 70),
             note_on(192, 0, 60, 0)}, 96));
    REQUIRE(ns.notes_size() == 2);
    CHECK(ns.notes(1).start_time() == Approx(0.5));
    CHECK(ns.notes(1).end_time() == Approx(1.0));
    CHECK(ns.notes(1).velocity() == 70);
  }
  SECTION("a zero-length note vanishes, unclosed notes are dropped") {
    auto ns = midi_to_note_sequence(two_track_file(
        {}, {note_on(96, 0, 60, 100), note_on(96, 0, 60, 0), note_on(100, 0, 61, 100)}, 96));
    CHECK(ns.notes_size() == 0);
    CHECK(ns.total_time() == 0.0);
  }
}

TEST_CASE("instruments are keyed by program at note-off, channel and track", "[music]") {
  auto ns = midi_to_note_sequence(two_track_file(
      {}, {MidiEvent::make_meta(0, kMetaTrackName, "Bass"),
           MidiEvent::make_channel(0, kControlChange, 1, 7, 100),  // before any note: straggler
           note_on(0, 1, 40, 100), note_on(0, 9, 36, 100),
           MidiEvent::make_channel(10, kProgramChange, 1, 33),  // program at note-off counts
           note_on(20, 9, 36, 0), note_on(30, 1, 40, 0)}, 96));
  REQUIRE(ns.notes_size() == 2);
  CHECK(ns.notes(0).pitch() == 36);  // drum instrument created first (closed first)
  CHECK(ns.notes(0).instrument() == 0);
  CHECK(ns.notes(0).is_drum());
  CHECK(ns.notes(1).instrument() == 1);
  CHECK(ns.notes(1).program() == 33);
  CHECK_FALSE(ns.notes(1).is_drum());
  REQUIRE(ns.instrument_infos_size() == 2);
  CHECK(ns.instrument_infos(1).name() == "Bass");
  REQUIRE(ns.control_changes_size() == 1);  // the straggler joined instrument 1
  CHECK(ns.control_changes(0).instrument() == 1);
  CHECK(ns.control_changes(0).program() == 33);
  CHECK(ns.control_changes(0).control_value() == 100);
}

TEST_CASE("sysex and meta events inside tracks are skipped", "[music]") {
  std::vector<MidiEvent> events{
      MidiEvent::make_sysex(0, 0xF0, hex_to_bytes("7e7f0901f7")),
      MidiEvent::make_meta(0, 0x7F, hex_to_bytes("0000410102")),  // sequencer specific
      MidiEvent::make_meta(0, 0x60, "unknown meta type"),
      note_on(0, 9, 38, 100),
      MidiEvent::make_sysex(5, 0xF7, hex_to_bytes("43")),
      note_on(10, 9, 38, 0),
      MidiEvent::make_channel(10, kPitchWheel, 9, 0, 0x40)};
  std::string bytes = two_track_file({}, events, 100);
  MidiFile parsed = parse_smf(bytes);
  REQUIRE(parsed.tracks[1].events.size() == events.size() + 1);
  CHECK(parsed.tracks[1].events[0].kind == Kind::sysex);
  CHECK(parsed.tracks[1].events[0].data == events[0].data);
  CHECK(parsed.tracks[1].events[2].kind == Kind::meta);
  CHECK(parsed.tracks[1].events[2].status == 0x60);
  auto ns = midi_to_note_sequence(bytes);
  REQUIRE(ns.notes_size() == 1);
  CHECK(ns.notes(0).end_time() == Approx(0.05));
  REQUIRE(ns.pitch_bends_size() == 1);
  CHECK(ns.pitch_bends(0).bend() == 0);

  SECTION("mido refuses sysex data bytes above 127") {
    events[0].data = hex_to_bytes("7e80f7");
    CHECK_THROWS_AS(midi_to_note_sequence(two_track_file({}, events, 100)), MidiError);
  }
}

TEST_CASE("a tempo change moves note times, and only track 0 holds the tempo map", "[music]") {
  // 100 ticks per quarter: 120 qpm = 5 ms per tick until tick 200 (1.0 s), then 60 qpm = 10 ms.
  std::string bytes = two_track_file(
      {tempo_event(0, 500000), tempo_event(200, 1000000), tempo_event(250, 1000000)},
      {note_on(100, 9, 36, 100), note_on(300, 9, 36, 0), tempo_event(300, 250000)}, 100);
  auto ns = midi_to_note_sequence(bytes);
  REQUIRE(ns.tempos_size() == 2);  // the repeated tempo at 250 is ignored
  CHECK(ns.tempos(0).time() == 0.0);
  CHECK(ns.tempos(0).qpm() == Approx(120.0));
  CHECK(ns.tempos(1).time() == Approx(1.0));
  CHECK(ns.tempos(1).qpm() == Approx(60.0));
  REQUIRE(ns.notes_size() == 1);
  CHECK(ns.notes(0).start_time() == Approx(0.5));
  CHECK(ns.notes(0).end_time() == Approx(2.0));
}

TEST_CASE("a format 0 file gives one instrument per channel", "[music]") {
  MidiFile f;
  f.format = 0;
  f.division = 96;
  f.tracks.push_back({{tempo_event(0, 600000), note_on(0, 0, 60, 100), note_on(0, 9, 36, 100),
                       note_on(48, 9, 36, 0), note_on(96, 0, 60, 0)}});
  auto ns = midi_to_note_sequence(write_smf(f));
  CHECK(ns.tempos(0).qpm() == Approx(100));
  REQUIRE(ns.notes_size() == 2);
  CHECK(ns.notes(0).is_drum());
  CHECK(ns.notes(0).instrument() == 0);
  CHECK(ns.notes(1).instrument() == 1);
  CHECK(ns.notes(1).end_time() == Approx(0.6));
}

TEST_CASE("structurally bad files are rejected with a reason", "[music]") {
  const std::string track = mtrk(hex_to_bytes("00903c64" "10803c00" "00ff2f00"));
  CHECK(midi_to_note_sequence(mthd(1, 1, 96) + track).notes_size() == 1);

  SECTION("SMPTE division") {
    CHECK_THROWS_WITH(midi_to_note_sequence(mthd(1, 1, 0xE728) + track),
                      "SMPTE time division is not supported");
  }
  SECTION("division 0") { CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 1, 0) + track), MidiError); }
  SECTION("no MThd") { CHECK_THROWS_AS(midi_to_note_sequence("RIFF" + track), MidiError); }
  SECTION("zero tracks") { CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 0, 96)), MidiError); }
  SECTION("an empty track (pretty_midi cannot take its max tick)") {
    CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 2, 96) + track + mtrk("")), MidiError);
  }
  SECTION("fewer tracks than the header says") {
    CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 2, 96) + track), MidiError);
  }
  SECTION("a track chunk whose length runs past the end of the file") {
    std::string lying = track;
    lying[7] = static_cast<char>(lying[7] + 1);
    CHECK_THROWS_WITH(midi_to_note_sequence(mthd(1, 1, 96) + lying),
                      "track chunk runs past the end of the file");
  }
  SECTION("a track chunk shorter than its events") {
    std::string lying = track + "MTrk";  // enough bytes follow that only the length is wrong
    lying[7] = static_cast<char>(lying[7] - 2);
    CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 1, 96) + lying), MidiError);
  }
  SECTION("unknown chunks are skipped") {
    std::string odd = "XFIH" + std::string("\0\0\0\3abc", 7);
    CHECK(midi_to_note_sequence(mthd(1, 1, 96) + odd + track).notes_size() == 1);
  }
  SECTION("varlen numbers longer than 4 bytes are read like mido; huge ticks are refused") {
    std::string long_delta = mtrk(hex_to_bytes("00903c64" "8080808010803c00" "00ff2f00"));
    auto ns = midi_to_note_sequence(mthd(1, 1, 96) + long_delta);
    REQUIRE(ns.notes_size() == 1);
    CHECK(ns.notes(0).end_time() == Approx(16 / 192.0));
    std::string huge = mtrk(hex_to_bytes("00903c64" "ffffffffffffffffff7f803c00" "00ff2f00"));
    CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 1, 96) + huge), MidiError);
  }
  SECTION("running status with no status byte yet") {
    CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 1, 96) + mtrk(hex_to_bytes("003c64"))), MidiError);
  }
  SECTION("a meta event mido cannot decode") {
    std::string bad_key = mtrk(hex_to_bytes("00ff590209" "00" "00903c64" "10803c00"));
    CHECK_THROWS_AS(midi_to_note_sequence(mthd(1, 1, 96) + bad_key), MidiError);
  }
}

TEST_CASE("every prefix of a valid file parses or throws MidiError", "[music]") {
  std::string full = note_sequence_to_midi(drum_track_sequence());
  int parsed = 0;
  for (size_t n = 0; n <= full.size(); ++n) {
    try {
      midi_to_note_sequence(std::string_view(full).substr(0, n));
      ++parsed;
    } catch (const MidiError&) {
    }
  }
  CHECK(parsed == 1);  // only the whole file: mido refuses every truncated track
}

TEST_CASE("garbage and mutated files never crash the reader", "[music]") {
  std::mt19937 rng(12345);
  const std::string valid = note_sequence_to_midi(drum_track_sequence());
  for (int round = 0; round < 2000; ++round) {
    std::string bytes;
    if (round % 2 == 0) {
      bytes.resize(rng() % 200);
      for (char& c : bytes) c = static_cast<char>(rng());
      if (round % 4 == 0) bytes = mthd(1, 3, 220) + bytes;
    } else {
      bytes = valid;
      for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
    }
    CHECK_NOTHROW(parse_or_midi_error(bytes));
  }
}

TEST_CASE("write_smf refuses events it cannot encode", "[music]") {
  MidiFile f;
  f.tracks.push_back({{note_on(10, 0, 60, 100), note_on(5, 0, 60, 0)}});
  CHECK_THROWS_AS(write_smf(f), MidiError);
  f.tracks[0].events = {note_on(0, 0, 200, 100)};
  CHECK_THROWS_AS(write_smf(f), MidiError);
  f.tracks[0].events = {};
  f.division = 40000;
  CHECK_THROWS_AS(write_smf(f), MidiError);
}
