// SMF bytes -> NoteSequence with the semantics of note_seq.midi_to_note_sequence on top of
// pretty_midi 0.2 and mido 1.3 (facts §4). Where the facts are silent this follows their source,
// quirks included (straggler control changes, track-0-only tempo map, dropped zero-length notes),
// because our note sequences must match Magenta's for the same file.
#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

#include "common/atomic_file.h"
#include "music/midi_io.h"
#include "music/smf.h"

namespace drumrnn {
namespace {

// note_seq raises pretty_midi's MAX_TICK to 1e10; pretty_midi rejects max_tick + 1 > MAX_TICK.
constexpr uint64_t kMaxTick = 10'000'000'000ULL;

// --- checks mido makes while decoding messages (its failures make Magenta skip the file) --------

// 2**dd values whose math.log(value, 2) is not an integer in CPython on glibc, so mido's
// time_signature check calls them "not a power of 2".
bool mido_rejects_denominator_exponent(uint8_t dd) {
  static constexpr uint8_t kBad[] = {29,  31,  39,  47,  51,  55,  58,  59,  62,  78,  93,  94,  95,
                                     101, 102, 109, 110, 116, 117, 118, 124, 125, 141, 156, 171, 179,
                                     186, 187, 188, 189, 190, 201, 202, 203, 204, 205, 217, 218, 219,
                                     220, 221, 232, 233, 234, 235, 236, 247, 248, 249, 250, 251};
  return std::find(std::begin(kBad), std::end(kBad), dd) != std::end(kBad);
}

void check_meta_like_mido(const MidiEvent& e) {
  const std::string& d = e.data;
  auto u = [&](size_t i) { return static_cast<uint8_t>(d[i]); };
  switch (e.status) {
    case 0x00:  // sequence_number: empty is allowed, one byte is an IndexError
      if (d.size() == 1) throw MidiError("bad sequence_number meta event");
      break;
    case 0x20:  // channel_prefix
      if (d.empty()) throw MidiError("bad channel_prefix meta event");
      break;
    case kMetaSetTempo:
      if (d.size() < 3) throw MidiError("bad set_tempo meta event");
      break;
    case 0x54:  // smpte_offset
      if (d.size() < 5 || (u(0) >> 5) > 3 || u(1) > 59 || u(2) > 59 || u(4) > 99) {
        throw MidiError("bad smpte_offset meta event");
      }
      break;
    case kMetaTimeSignature:
      if (d.size() < 4 || mido_rejects_denominator_exponent(u(1))) {
        throw MidiError("bad time_signature meta event");
      }
      break;
    case kMetaKeySignature: {
      if (d.size() < 2) throw MidiError("bad key_signature meta event");
      int sharps = static_cast<int8_t>(u(0));
      if (sharps < -7 || sharps > 7 || u(1) > 1) throw MidiError("could not decode key signature");
      break;
    }
    default:
      break;
  }
}

void check_like_mido(const MidiFile& file) {
  for (const MidiTrack& track : file.tracks) {
    for (const MidiEvent& e : track.events) {
      if (e.kind == MidiEvent::Kind::meta) {
        check_meta_like_mido(e);
      } else if (e.kind == MidiEvent::Kind::sysex) {
        // mido strips one leading F0 and one trailing F7; the rest must be data bytes.
        std::string_view body = e.data;
        if (!body.empty() && static_cast<uint8_t>(body.front()) == 0xF0) body.remove_prefix(1);
        if (!body.empty() && static_cast<uint8_t>(body.back()) == 0xF7) body.remove_suffix(1);
        for (char c : body) {
          if (static_cast<uint8_t>(c) > 127) throw MidiError("sysex data byte above 127");
        }
      }
    }
  }
}

// --- pretty_midi's tick -> seconds map -----------------------------------------------------------

// pretty_midi fills a float64 array segment by segment: time = segment start time + tick_scale *
// (tick - segment start tick), the segment start time being the previous segment's value at that
// tick. Evaluating the same expression per tick gives the same doubles without the array.
class TickClock {
 public:
  struct Scale {
    uint64_t tick;
    double seconds_per_tick;
  };

  explicit TickClock(std::vector<Scale> scales) : scales_(std::move(scales)) {
    double start_time = 0;
    for (size_t i = 0; i < scales_.size(); ++i) {
      start_times_.push_back(start_time);
      if (i + 1 < scales_.size()) {
        start_time += scales_[i].seconds_per_tick *
                      static_cast<double>(scales_[i + 1].tick - scales_[i].tick);
      }
    }
  }

  double seconds(uint64_t tick) const {
    // The last segment whose start tick is <= tick wrote this tick last.
    auto it = std::upper_bound(scales_.begin(), scales_.end(), tick,
                               [](uint64_t t, const Scale& s) { return t < s.tick; });
    size_t i = static_cast<size_t>(it - scales_.begin()) - 1;
    double offset = scales_[i].seconds_per_tick * static_cast<double>(tick - scales_[i].tick);
    return start_times_[i] + offset;
  }

  const std::vector<Scale>& scales() const { return scales_; }

 private:
  std::vector<Scale> scales_;
  std::vector<double> start_times_;
};

TickClock load_tempo_changes(const MidiTrack& track0, int resolution) {
  const double res = resolution;
  std::vector<TickClock::Scale> scales{{0, 60.0 / (120.0 * res)}};
  for (const MidiEvent& e : track0.events) {
    if (e.kind != MidiEvent::Kind::meta || e.status != kMetaSetTempo) continue;
    auto u = [&](size_t i) { return static_cast<uint8_t>(e.data[i]); };
    uint32_t tempo = (uint32_t{u(0)} << 16) | (uint32_t{u(1)} << 8) | u(2);
    if (tempo == 0) throw MidiError("set_tempo of 0 microseconds per quarter");
    double bpm = 6e7 / static_cast<double>(tempo);
    double scale = 60.0 / (bpm * res);
    if (e.tick == 0) {
      scales = {{0, scale}};  // a tempo at tick 0 replaces everything before it
    } else if (scale != scales.back().seconds_per_tick) {
      scales.push_back({e.tick, scale});  // repeated tempos are ignored
    }
  }
  return TickClock(std::move(scales));
}

// --- instruments, pretty_midi's _load_instruments ------------------------------------------------

struct TickNote {
  int pitch, velocity;
  uint64_t start, end;
};
struct TickControl {
  uint64_t tick;
  int number, value;
};
struct TickBend {
  uint64_t tick;
  int bend;
};

struct Instrument {
  int program = 0;
  bool is_drum = false;
  std::string name;
  std::vector<TickNote> notes;
  // Shared with the track/channel's "straggler" lists in pretty_midi (the same Python list object
  // ends up in several instruments), so several instruments may report the same events.
  std::shared_ptr<std::vector<TickControl>> controls = std::make_shared<std::vector<TickControl>>();
  std::shared_ptr<std::vector<TickBend>> bends = std::make_shared<std::vector<TickBend>>();
};

class InstrumentTable {
 public:
  // Instrument for a closed note: created on first use (this fixes its index and name).
  Instrument& for_note(int program, int channel, int track, const std::string& track_name) {
    auto key = std::make_tuple(program, channel, track);
    if (auto it = index_.find(key); it != index_.end()) return instruments_[it->second];
    Instrument inst;
    inst.program = program;
    inst.is_drum = channel == 9;
    inst.name = track_name;
    if (auto s = stragglers_.find({channel, track}); s != stragglers_.end()) {
      inst.controls = s->second.controls;
      inst.bends = s->second.bends;
    }
    index_[key] = instruments_.size();
    instruments_.push_back(std::move(inst));
    return instruments_.back();
  }

  // Where a control change or pitch bend goes: the instrument if it exists, else the
  // (channel, track) straggler, which never becomes an instrument by itself.
  Instrument& for_event(int program, int channel, int track) {
    if (auto it = index_.find({program, channel, track}); it != index_.end()) {
      return instruments_[it->second];
    }
    return stragglers_[{channel, track}];
  }

  const std::vector<Instrument>& instruments() const { return instruments_; }

 private:
  std::vector<Instrument> instruments_;  // creation order = NoteSequence instrument index
  std::map<std::tuple<int, int, int>, size_t> index_;
  std::map<std::pair<int, int>, Instrument> stragglers_;
};

// mido decodes text with latin-1; protobuf strings are UTF-8.
std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto b = static_cast<uint8_t>(c);
    if (b < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xC0 | (b >> 6)));
      out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
    }
  }
  return out;
}

void load_track(const MidiTrack& track, int track_idx, InstrumentTable& table) {
  std::string track_name;
  // (channel, pitch) -> open notes (start tick, velocity), in note-on order.
  std::map<std::pair<int, int>, std::vector<std::pair<uint64_t, int>>> open;
  int program[16] = {};
  for (const MidiEvent& e : track.events) {
    if (e.kind == MidiEvent::Kind::meta) {
      if (e.status == kMetaTrackName) track_name = latin1_to_utf8(e.data);
      continue;
    }
    if (e.kind != MidiEvent::Kind::channel) continue;
    const int ch = e.channel;
    if (e.status == kProgramChange) {
      program[ch] = e.data1;
    } else if (e.status == kNoteOn && e.data2 > 0) {
      open[{ch, e.data1}].push_back({e.tick, e.data2});
    } else if (e.status == kNoteOff || e.status == kNoteOn) {
      auto it = open.find({ch, e.data1});
      if (it == open.end()) continue;  // spurious note-off
      // Closes every note started on an earlier tick; one started on this very tick survives
      // only if something else was closed (a note-off/note-on pair), else it is dropped.
      std::vector<std::pair<uint64_t, int>> keep;
      bool closed_any = false;
      for (auto [start, velocity] : it->second) {
        if (start == e.tick) {
          keep.push_back({start, velocity});
          continue;
        }
        closed_any = true;
        table.for_note(program[ch], ch, track_idx, track_name)
            .notes.push_back({e.data1, velocity, start, e.tick});
      }
      if (closed_any && !keep.empty()) {
        it->second = std::move(keep);
      } else {
        open.erase(it);
      }
    } else if (e.status == kPitchWheel) {
      int bend = (e.data2 << 7) + e.data1 - 8192;
      table.for_event(program[ch], ch, track_idx).bends->push_back({e.tick, bend});
    } else if (e.status == kControlChange) {
      table.for_event(program[ch], ch, track_idx).controls->push_back({e.tick, e.data1, e.data2});
    }
  }
}

// --- metadata from track 0 -----------------------------------------------------------------------

void add_signatures(const MidiTrack& track0, const TickClock& clock, magenta::NoteSequence& ns) {
  for (const MidiEvent& e : track0.events) {
    if (e.kind != MidiEvent::Kind::meta) continue;
    auto u = [&](size_t i) { return static_cast<uint8_t>(e.data[i]); };
    if (e.status == kMetaTimeSignature) {
      if (u(0) == 0) throw MidiError("time signature numerator 0");
      if (u(1) > 30) throw MidiError("time signature denominator too large");
      auto* ts = ns.add_time_signatures();
      ts->set_time(clock.seconds(e.tick));
      ts->set_numerator(u(0));
      ts->set_denominator(1 << u(1));
    } else if (e.status == kMetaKeySignature) {
      // mido key name -> pretty_midi key number: sharps * 7 semitones round the circle of fifths,
      // minor keys are their relative major's tonic minus 3 semitones.
      int sharps = static_cast<int8_t>(u(0));
      bool minor = u(1) == 1;
      int key = ((sharps * 7 + (minor ? 9 : 0)) % 12 + 12) % 12;
      auto* ks = ns.add_key_signatures();
      ks->set_time(clock.seconds(e.tick));
      ks->set_key(key);
      ks->set_mode(minor ? 1 : 0);
    }
  }
}

}  // namespace

magenta::NoteSequence midi_to_note_sequence(std::string_view smf_bytes) {
  const MidiFile file = parse_smf(smf_bytes);
  check_like_mido(file);
  if (file.tracks.empty()) throw MidiError("file has no tracks");
  uint64_t max_tick = 0;
  for (const MidiTrack& track : file.tracks) {
    if (track.events.empty()) throw MidiError("empty track");  // pretty_midi: max() of nothing
    for (const MidiEvent& e : track.events) max_tick = std::max(max_tick, e.tick);
  }
  if (max_tick + 1 > kMaxTick) throw MidiError("largest tick is too large; file likely corrupt");

  const int resolution = file.division;
  const TickClock clock = load_tempo_changes(file.tracks[0], resolution);

  magenta::NoteSequence ns;
  ns.set_ticks_per_quarter(resolution);
  ns.mutable_source_info()->set_parser(2);         // PRETTY_MIDI
  ns.mutable_source_info()->set_encoding_type(3);  // MIDI
  add_signatures(file.tracks[0], clock, ns);
  for (const TickClock::Scale& s : clock.scales()) {
    auto* tempo = ns.add_tempos();
    tempo->set_time(clock.seconds(s.tick));
    tempo->set_qpm(60.0 / (s.seconds_per_tick * resolution));
  }

  InstrumentTable table;
  for (size_t i = 0; i < file.tracks.size(); ++i) {
    load_track(file.tracks[i], static_cast<int>(i), table);
  }

  const auto& instruments = table.instruments();
  double total_time = 0;
  for (size_t i = 0; i < instruments.size(); ++i) {
    const Instrument& inst = instruments[i];
    if (!inst.name.empty()) {
      auto* info = ns.add_instrument_infos();
      info->set_instrument(static_cast<int>(i));
      info->set_name(inst.name);
    }
    for (const TickNote& n : inst.notes) {
      auto* note = ns.add_notes();
      note->set_instrument(static_cast<int>(i));
      note->set_program(inst.program);
      note->set_start_time(clock.seconds(n.start));
      note->set_end_time(clock.seconds(n.end));
      note->set_pitch(n.pitch);
      note->set_velocity(n.velocity);
      note->set_is_drum(inst.is_drum);
      total_time = std::max(total_time, note->end_time());
    }
  }
  ns.set_total_time(total_time);
  for (size_t i = 0; i < instruments.size(); ++i) {
    for (const TickBend& b : *instruments[i].bends) {
      auto* bend = ns.add_pitch_bends();
      bend->set_instrument(static_cast<int>(i));
      bend->set_program(instruments[i].program);
      bend->set_time(clock.seconds(b.tick));
      bend->set_bend(b.bend);
      bend->set_is_drum(instruments[i].is_drum);
    }
  }
  for (size_t i = 0; i < instruments.size(); ++i) {
    for (const TickControl& c : *instruments[i].controls) {
      auto* cc = ns.add_control_changes();
      cc->set_instrument(static_cast<int>(i));
      cc->set_program(instruments[i].program);
      cc->set_time(clock.seconds(c.tick));
      cc->set_control_number(c.number);
      cc->set_control_value(c.value);
      cc->set_is_drum(instruments[i].is_drum);
    }
  }
  return ns;
}

magenta::NoteSequence midi_file_to_note_sequence(const std::string& path) {
  return midi_to_note_sequence(read_file(path));
}

}  // namespace drumrnn
