// libFuzzer entry: arbitrary bytes through the whole MIDI -> NoteSequence path. A MidiError is the
// expected answer to bad input; anything else (a crash, a sanitizer report, another exception)
// is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "music/midi_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    magenta::NoteSequence ns =
        drumrnn::midi_to_note_sequence(std::string_view(reinterpret_cast<const char*>(data), size));
    // Whatever we read must also be writable or refused cleanly.
    try {
      drumrnn::note_sequence_to_midi(ns);
    } catch (const drumrnn::MidiError&) {
    }
  } catch (const drumrnn::MidiError&) {
  }
  return 0;
}
