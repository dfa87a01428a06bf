// MIDI that the engine schedules against the audio clock. The audio thread writes these into a
// lock-free queue with the absolute frame they belong to; the MIDI senders (RtMidi thread, JACK MIDI
// port) turn frames into wall-clock times or period offsets.
#pragma once
#include <cstdint>

namespace drumrnn::rt {

struct MidiEvent {
  int64_t frame = 0;       // absolute engine frame (frames processed since the engine started)
  uint8_t size = 0;        // 1..3
  uint8_t bytes[3] = {0, 0, 0};
};

// Status bytes the engine sends.
constexpr uint8_t kMidiClock = 0xF8, kMidiStart = 0xFA, kMidiContinue = 0xFB, kMidiStop = 0xFC,
                  kMidiSongPosition = 0xF2, kMidiNoteOn = 0x90, kMidiNoteOff = 0x80, kMidiCC = 0xB0;

}  // namespace drumrnn::rt
