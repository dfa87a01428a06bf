// NoteSequence -> SMF bytes as note_seq.note_sequence_to_pretty_midi + PrettyMIDI.write + mido's
// save produce them (facts §8a), so a file we write is byte-identical to Magenta's (§10.12).
#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "common/atomic_file.h"
#include "music/midi_io.h"
#include "music/smf.h"

namespace drumrnn {
namespace {

constexpr int kDefaultTicksPerQuarter = 220;  // note_seq constants.STANDARD_PPQ
constexpr double kDefaultQpm = 120.0;

// pretty_midi's INSTRUMENT_MAP (General MIDI names, pretty_midi's spelling): the track name of a
// non-drum instrument other than instrument 0.
constexpr const char* kProgramNames[128] = {
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet", "Celesta", "Glockenspiel",
    "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells", "Dulcimer",
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion",
    "Harmonica", "Tango Accordion", "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)",
    "Electric Guitar (jazz)", "Electric Guitar (clean)", "Electric Guitar (muted)",
    "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics", "Acoustic Bass",
    "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass", "Slap Bass 1",
    "Slap Bass 2", "Synth Bass 1", "Synth Bass 2", "Violin", "Viola", "Cello", "Contrabass",
    "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani", "String Ensemble 1",
    "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs",
    "Synth Choir", "Orchestra Hit", "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn",
    "Brass Section", "Synth Brass 1", "Synth Brass 2", "Soprano Sax", "Alto Sax", "Tenor Sax",
    "Baritone Sax", "Oboe", "English Horn", "Bassoon", "Clarinet", "Piccolo", "Flute", "Recorder",
    "Pan Flute", "Blown bottle", "Shakuhachi", "Whistle", "Ocarina", "Lead 1 (square)",
    "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 chiff", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)", "Pad 1 (new age)",
    "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)", "Pad 6 (metallic)",
    "Pad 7 (halo)", "Pad 8 (sweep)", "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)",
    "FX 4 (atmosphere)", "FX 5 (brightness)", "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai", "Tinkle Bell",
    "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum",
    "Reverse Cymbal", "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet",
    "Telephone Ring", "Helicopter", "Applause", "Gunshot"};

// pretty_midi key number (0-11 major, 12-23 minor) -> mido key name -> (sharps, mode) bytes.
constexpr int8_t kKeySharps[24] = {0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5,
                                   -3, 4, -1, 6, 1, -4, 3, -2, 5, 0, -5, 2};

// pretty_midi's tick <-> seconds map: a float64 table over ticks 0..(largest tempo tick), each
// segment filled as start time + seconds_per_tick * (tick - start tick); beyond the table the last
// tempo extrapolates. Same doubles as the table, evaluated on demand.
class PrettyMidiClock {
 public:
  PrettyMidiClock(double initial_qpm, int resolution) : resolution_(resolution) {
    scales_.push_back({0, 60.0 / (initial_qpm * resolution)});
    rebuild();
  }

  // Adds a tempo the way note_seq does: at time_to_tick(time) of the map built so far.
  void add_tempo(double time, double qpm) {
    double scale = 60.0 / (resolution_ * qpm);
    scales_.push_back({time_to_tick(time), scale});
    rebuild();
  }

  // np.searchsorted(table, time, 'left'), then the nearer neighbour (ties go up); past the table,
  // extrapolation rounded half to even like Python's round().
  int64_t time_to_tick(double time) const {
    if (!std::isfinite(time)) throw MidiError("event time is not finite");
    int64_t lo = 0, hi = max_tick_ + 1;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (table(mid) < time) lo = mid + 1; else hi = mid;
    }
    if (lo == max_tick_ + 1) {
      double tick = static_cast<double>(max_tick_) +
                    (time - table(max_tick_)) / scales_.back().seconds_per_tick;
      double rounded = std::nearbyint(tick);
      if (!(rounded < 9.2e18)) throw MidiError("event time too large");
      return static_cast<int64_t>(rounded);
    }
    if (lo > 0 && std::fabs(time - table(lo - 1)) < std::fabs(time - table(lo))) return lo - 1;
    return lo;
  }

  struct Scale {
    int64_t tick;
    double seconds_per_tick;
  };
  const std::vector<Scale>& scales() const { return scales_; }

 private:
  double table(int64_t tick) const {
    // The last segment starting at or before the tick wrote it last (scale ticks never decrease).
    auto it = std::upper_bound(scales_.begin(), scales_.end(), tick,
                               [](int64_t t, const Scale& s) { return t < s.tick; });
    size_t i = static_cast<size_t>(it - scales_.begin()) - 1;
    return start_times_[i] + scales_[i].seconds_per_tick * static_cast<double>(tick - scales_[i].tick);
  }

  void rebuild() {
    start_times_.clear();
    double start_time = 0;
    max_tick_ = 0;
    for (size_t i = 0; i < scales_.size(); ++i) {
      start_times_.push_back(start_time);
      if (i + 1 < scales_.size()) {
        start_time += scales_[i].seconds_per_tick *
                      static_cast<double>(scales_[i + 1].tick - scales_[i].tick);
      }
      max_tick_ = std::max(max_tick_, scales_[i].tick);
    }
  }

  int resolution_;
  std::vector<Scale> scales_;
  std::vector<double> start_times_;
  int64_t max_tick_ = 0;
};

// pretty_midi.write's same-tick order: tempo < time sig < key sig < program change < pitch bend
// < control change < note events (by pitch, then velocity, so a note-off precedes a note-on).
struct SortedEvent {
  MidiEvent event;
  int64_t score;
};

int64_t channel_score(const MidiEvent& e) {
  switch (e.status) {
    case kProgramChange: return 6 * 65536;
    case kPitchWheel: return 7 * 65536 + (e.data2 << 7) + e.data1 - 8192;
    case kControlChange: return 8 * 65536 + e.data1 * 256 + e.data2;
    default: return 10 * 65536 + e.data1 * 256 + e.data2;  // note_on
  }
}

void sort_and_close(std::vector<SortedEvent>& events, MidiTrack& track) {
  std::stable_sort(events.begin(), events.end(), [](const SortedEvent& a, const SortedEvent& b) {
    return std::tie(a.event.tick, a.score) < std::tie(b.event.tick, b.score);
  });
  for (SortedEvent& s : events) track.events.push_back(std::move(s.event));
  uint64_t last = track.events.empty() ? 0 : track.events.back().tick;
  track.events.push_back(MidiEvent::make_meta(last + 1, kMetaEndOfTrack, ""));
}

uint64_t to_tick(const PrettyMidiClock& clock, double time) {
  return static_cast<uint64_t>(std::max<int64_t>(0, clock.time_to_tick(time)));
}

uint8_t checked_7bit(int v, const char* what) {
  if (v < 0 || v > 127) throw MidiError(std::string(what) + " must be in range 0..127");
  return static_cast<uint8_t>(v);
}

// mido encodes text as latin-1; NoteSequence strings are UTF-8.
std::string utf8_to_latin1(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      out.push_back(s[i]);
    } else if ((b == 0xC2 || b == 0xC3) && i + 1 < s.size()) {
      out.push_back(static_cast<char>(((b & 0x03) << 6) | (static_cast<uint8_t>(s[++i]) & 0x3F)));
    } else {
      throw MidiError("instrument name is not latin-1 text");
    }
  }
  return out;
}

MidiTrack timing_track(const magenta::NoteSequence& ns, const PrettyMidiClock& clock,
                       int resolution) {
  std::vector<SortedEvent> events;
  bool add_default_ts = true;
  for (const auto& ts : ns.time_signatures()) add_default_ts = add_default_ts && ts.time() > 0.0;
  if (add_default_ts) {
    events.push_back({MidiEvent::make_meta(0, kMetaTimeSignature, std::string("\x04\x02\x18\x08", 4)),
                      2 * 65536});
  }
  for (const auto& s : clock.scales()) {
    double tempo = 6e7 / (60.0 / (s.seconds_per_tick * resolution));
    if (!(tempo >= 0 && tempo < 16777216.0)) throw MidiError("tempo out of range for set_tempo");
    auto us = static_cast<uint32_t>(tempo);
    std::string data{static_cast<char>(us >> 16), static_cast<char>((us >> 8) & 0xFF),
                     static_cast<char>(us & 0xFF)};
    events.push_back({MidiEvent::make_meta(static_cast<uint64_t>(s.tick), kMetaSetTempo, data),
                      1 * 65536});
  }
  for (const auto& ts : ns.time_signatures()) {
    int den = ts.denominator();
    int log2_den = 0;
    while (log2_den < 31 && (1 << log2_den) < den) ++log2_den;
    // mido refuses non powers of 2, and 2**29 through a quirk of math.log.
    if (ts.numerator() <= 0 || ts.numerator() > 255 || den <= 0 || (1 << log2_den) != den ||
        log2_den == 29 || !(ts.time() >= 0)) {
      throw MidiError("time signature cannot be written");
    }
    std::string data{static_cast<char>(ts.numerator()), static_cast<char>(log2_den), 24, 8};
    events.push_back({MidiEvent::make_meta(to_tick(clock, ts.time()), kMetaTimeSignature, data),
                      2 * 65536});
  }
  for (const auto& ks : ns.key_signatures()) {
    int key_number = ks.key() + (ks.mode() == 1 ? 12 : 0);
    if (key_number < 0 || key_number >= 24 || !(ks.time() >= 0)) {
      throw MidiError("key signature cannot be written");
    }
    std::string data{static_cast<char>(kKeySharps[key_number]), key_number >= 12 ? '\1' : '\0'};
    events.push_back({MidiEvent::make_meta(to_tick(clock, ks.time()), kMetaKeySignature, data),
                      3 * 65536});
  }
  MidiTrack track;
  sort_and_close(events, track);
  return track;
}

struct InstrumentEvents {
  std::vector<const magenta::NoteSequence::Note*> notes;
  std::vector<const magenta::NoteSequence::PitchBend*> bends;
  std::vector<const magenta::NoteSequence::ControlChange*> controls;
};

struct OutInstrument {
  int program = 0;
  bool is_drum = false;
  std::string name;
  InstrumentEvents events;
};

MidiTrack instrument_track(const OutInstrument& inst, int channel, const PrettyMidiClock& clock) {
  MidiTrack track;
  if (!inst.name.empty()) {
    // Not in pretty_midi's sort table; its comparator leaves it first.
    track.events.push_back(MidiEvent::make_meta(0, kMetaTrackName, utf8_to_latin1(inst.name)));
  }
  const auto ch = static_cast<uint8_t>(channel);
  std::vector<SortedEvent> events;
  auto add = [&](MidiEvent e) {
    int64_t score = channel_score(e);
    events.push_back({std::move(e), score});
  };
  add(MidiEvent::make_channel(0, kProgramChange, ch, checked_7bit(inst.program, "program")));
  for (const auto* n : inst.events.notes) {
    uint8_t pitch = checked_7bit(n->pitch(), "pitch");
    uint8_t velocity = checked_7bit(n->velocity(), "velocity");
    add(MidiEvent::make_channel(to_tick(clock, n->start_time()), kNoteOn, ch, pitch, velocity));
    add(MidiEvent::make_channel(to_tick(clock, n->end_time()), kNoteOn, ch, pitch, 0));
  }
  for (const auto* b : inst.events.bends) {
    if (b->bend() < -8192 || b->bend() > 8191) throw MidiError("pitch bend out of range");
    int value = b->bend() + 8192;
    add(MidiEvent::make_channel(to_tick(clock, b->time()), kPitchWheel, ch,
                                static_cast<uint8_t>(value & 0x7F),
                                static_cast<uint8_t>(value >> 7)));
  }
  for (const auto* c : inst.events.controls) {
    add(MidiEvent::make_channel(to_tick(clock, c->time()), kControlChange, ch,
                                checked_7bit(c->control_number(), "control number"),
                                checked_7bit(c->control_value(), "control value")));
  }
  sort_and_close(events, track);
  return track;
}

}  // namespace

std::string note_sequence_to_midi(const magenta::NoteSequence& ns) {
  const int resolution = ns.ticks_per_quarter() ? ns.ticks_per_quarter() : kDefaultTicksPerQuarter;
  if (resolution <= 0 || resolution > 32767) throw MidiError("ticks_per_quarter out of range");

  // The first tempo at time 0 (in list order) is the initial tempo; the others (tempos equal to
  // it included, since note_seq compares by value) are added in list order.
  const magenta::NoteSequence::Tempo* initial = nullptr;
  for (const auto& t : ns.tempos()) {
    if (!(t.qpm() > 0) || !std::isfinite(t.qpm())) throw MidiError("tempo qpm must be positive");
    if (!initial && t.time() == 0) initial = &t;
  }
  PrettyMidiClock clock(initial ? initial->qpm() : kDefaultQpm, resolution);
  // pretty_midi assumes tempos in time order; sort so that an unordered list cannot corrupt the
  // map (Magenta would write nonsense there).
  std::vector<const magenta::NoteSequence::Tempo*> tempos;
  for (const auto& t : ns.tempos()) tempos.push_back(&t);
  std::stable_sort(tempos.begin(), tempos.end(),
                   [](auto* a, auto* b) { return a->time() < b->time(); });
  for (const auto* t : tempos) {
    if (initial && t->time() == initial->time() && t->qpm() == initial->qpm()) continue;
    clock.add_tempo(t->time(), t->qpm());
  }

  std::map<int, std::string> names;
  for (const auto& info : ns.instrument_infos()) names[info.instrument()] = info.name();
  std::map<std::tuple<int, int, bool>, InstrumentEvents> groups;
  for (const auto& n : ns.notes()) groups[{n.instrument(), n.program(), n.is_drum()}].notes.push_back(&n);
  for (const auto& b : ns.pitch_bends()) groups[{b.instrument(), b.program(), b.is_drum()}].bends.push_back(&b);
  for (const auto& c : ns.control_changes()) {
    groups[{c.instrument(), c.program(), c.is_drum()}].controls.push_back(&c);
  }

  // Instrument 0 always exists (it used to carry the signatures); groups with instrument <= 0
  // all land on it, the last one winning, exactly as note_seq's loop variable does.
  std::vector<OutInstrument> instruments(1);
  for (auto& [key, events] : groups) {
    auto [instrument_id, program, is_drum] = key;
    OutInstrument* inst = &instruments[0];
    if (instrument_id > 0) {
      if (!is_drum && (program < 0 || program > 127)) throw MidiError("program out of range");
      instruments.push_back({program, is_drum, is_drum ? "Drums" : kProgramNames[program], {}});
      inst = &instruments.back();
    }
    inst->is_drum = is_drum;
    inst->program = program;
    if (auto it = names.find(instrument_id); it != names.end()) inst->name = it->second;
    inst->events = std::move(events);
  }

  MidiFile file;
  file.format = 1;
  file.division = resolution;
  file.tracks.push_back(timing_track(ns, clock, resolution));
  int n = 0;
  for (const OutInstrument& inst : instruments) {
    // Drums on channel 9; the others cycle through the 15 other channels by track index.
    int slot = n % 15;
    int channel = inst.is_drum ? 9 : (slot < 9 ? slot : slot + 1);
    file.tracks.push_back(instrument_track(inst, channel, clock));
    ++n;
  }
  return write_smf(file);
}

void write_midi_file(const std::string& path, const magenta::NoteSequence& ns) {
  write_file_atomic(path, note_sequence_to_midi(ns));
}

}  // namespace drumrnn
