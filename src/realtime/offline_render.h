// Runs the engine faster than real time, on the calling thread: `drumrnn render`, the tests and the
// "no audio device" fallback all use it. The generator is pumped before every block, so the same seed
// gives the same samples and the same MIDI.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "realtime/engine.h"

namespace drumrnn::rt {

class RecordingMidiSink : public MidiSink {
 public:
  void send(const MidiEvent& e) override { events.push_back(e); }
  std::vector<MidiEvent> events;
};

struct RenderedAudio {
  std::vector<float> left, right;
  double sample_rate = 48000;
};

// Plays from bar 1 for `frames` frames in blocks of `block` frames. The engine's generation service
// must not have started its threads.
RenderedAudio render_offline(Engine& engine, int64_t frames, int block = 256);

// 24-bit PCM WAV, written to a temp file and renamed. Throws std::runtime_error naming the file.
void write_wav(const std::string& path, const RenderedAudio& audio);

// A format-0 MIDI file of the notes (clock is for cables, not files) at `bpm`; notes still sounding
// at `end_frame` end there.
void write_midi_events(const std::string& path, const std::vector<MidiEvent>& events, double sample_rate, double bpm,
                       int64_t end_frame);

}  // namespace drumrnn::rt
