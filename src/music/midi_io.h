// MIDI <-> NoteSequence with pretty_midi's semantics (what Magenta's midi_io does), so our note
// sequences match Magenta's content for the same file. Facts: magenta-drums-facts.md §4 and §8a.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "music.pb.h"

namespace drumrnn {

// A file that is not a usable Standard MIDI File. what() is a short reason without the path;
// callers prefix the file name.
struct MidiError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses SMF bytes into a NoteSequence (ticks_per_quarter, tempos, time/key signatures, notes,
// pitch bends, control changes, instrument_infos, total_time, source_info). Does not set id,
// filename or collection_name. Throws MidiError.
magenta::NoteSequence midi_to_note_sequence(std::string_view smf_bytes);

// Reads and parses a file; throws MidiError (bad content) or IoError (cannot read).
magenta::NoteSequence midi_file_to_note_sequence(const std::string& path);

// Serializes a NoteSequence as pretty_midi + mido would write it (format 1, running status).
std::string note_sequence_to_midi(const magenta::NoteSequence& ns);

// note_sequence_to_midi, written atomically to `path`. Throws IoError.
void write_midi_file(const std::string& path, const magenta::NoteSequence& ns);

}  // namespace drumrnn
