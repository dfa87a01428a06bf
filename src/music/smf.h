// Standard MIDI File structure: bytes <-> tracks of absolute-tick events. No musical meaning here;
// midi_to_note_sequence.cpp and note_sequence_to_midi.cpp give the events pretty_midi's meaning.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace drumrnn {

struct MidiEvent {
  enum class Kind : uint8_t { channel, meta, sysex };

  uint64_t tick = 0;  // absolute; saturates near 2^62 instead of wrapping (see smf_reader.cpp)
  Kind kind = Kind::channel;
  // channel: the command nibble 0x80..0xE0; meta: the meta type byte; sysex: 0xF0 or 0xF7.
  uint8_t status = 0;
  uint8_t channel = 0;            // channel messages only, 0..15
  uint8_t data1 = 0, data2 = 0;   // channel messages only; data2 is 0 for 0xC0 / 0xD0
  std::string data;               // meta / sysex payload as stored (a sysex keeps its trailing F7)

  static MidiEvent make_channel(uint64_t tick, uint8_t command, uint8_t channel, uint8_t data1,
                                uint8_t data2 = 0);
  static MidiEvent make_meta(uint64_t tick, uint8_t type, std::string data);
  static MidiEvent make_sysex(uint64_t tick, uint8_t status, std::string data);
};

// Meta types the layers above look at.
inline constexpr uint8_t kMetaTrackName = 0x03;
inline constexpr uint8_t kMetaEndOfTrack = 0x2F;
inline constexpr uint8_t kMetaSetTempo = 0x51;
inline constexpr uint8_t kMetaTimeSignature = 0x58;
inline constexpr uint8_t kMetaKeySignature = 0x59;

// Channel message commands (high nibble of the status byte).
inline constexpr uint8_t kNoteOff = 0x80;
inline constexpr uint8_t kNoteOn = 0x90;
inline constexpr uint8_t kPolyAftertouch = 0xA0;
inline constexpr uint8_t kControlChange = 0xB0;
inline constexpr uint8_t kProgramChange = 0xC0;
inline constexpr uint8_t kChannelAftertouch = 0xD0;
inline constexpr uint8_t kPitchWheel = 0xE0;

struct MidiTrack {
  std::vector<MidiEvent> events;  // in file order; ticks never decrease
};

struct MidiFile {
  int format = 1;        // 0, 1 or 2 (the reader keeps whatever the header says)
  int division = 220;    // ticks per quarter note, > 0
  std::vector<MidiTrack> tracks;
};

// Parses SMF bytes the way mido 1.3 does (what Magenta reads with), except where smf_reader.cpp
// says otherwise. Like mido, a meta event of a type mido does not know (e.g. 0x08, 0x0A..0x0F)
// loses its delta time, shifting the rest of its track earlier. System common / real-time
// messages inside tracks are parsed and dropped.
// Throws MidiError (midi_io.h) with a short reason.
MidiFile parse_smf(std::string_view bytes);

// Serializes like mido's save(): running status for channel messages (meta and sysex events
// cancel it), one end_of_track per track at the end (an explicit one keeps its tick; one is added
// at the last event's tick otherwise). Throws MidiError when the events cannot be encoded
// (ticks going backwards, data bytes > 127, division out of range).
std::string write_smf(const MidiFile& file);

}  // namespace drumrnn
