// The live engine: one object that the PortAudio callback, the JACK process callback, `drumrnn render`
// and the tests all drive through process(). It plays the steps the GenerationService writes, on a
// sampler kit, with MIDI notes and clock scheduled to the frame, a tempo-locked loop slot and a limiter.
// Everything another thread changes arrives through lock-free queues; everything another thread reads
// leaves through a published snapshot. Kits and loops are built off the audio thread and retired back.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <readerwriterqueue/readerwriterqueue.h>

#include "realtime/controls.h"
#include "realtime/generation.h"
#include "realtime/kit.h"
#include "realtime/limiter.h"
#include "realtime/load_meter.h"
#include "realtime/loop_slot.h"
#include "realtime/midi_event.h"
#include "realtime/rt.h"
#include "realtime/sampler.h"
#include "realtime/scope_tap.h"
#include "realtime/seqlock.h"
#include "realtime/transport.h"

namespace drumrnn::rt {

// Where MIDI goes: the RtMidi sender thread's queue, a JACK MIDI port's period buffer, a file.
class MidiSink {
 public:
  virtual ~MidiSink() = default;
  DRUMRNN_RT virtual void send(const MidiEvent& event) = 0;
};

struct MidiOutputConfig {
  MidiSink* sink = nullptr;
  std::array<uint8_t, kDrumClasses> notes = {36, 38, 42, 46, 45, 48, 50, 49, 51};  // the kit map
  uint8_t channel = 9;  // 0-based: MIDI channel 10
  bool clock = true;    // 24 ppqn clock, Start/Stop/Continue, Song Position Pointer
  bool notes_on = true;
};

struct EngineConfig {
  double sample_rate = 48000;
  int max_block = 8192;  // the longest process() call
  double bpm = 120;
  double swing = 0;
  float master_level = 1.0f;
};

constexpr int kStepWindow = 32;  // past steps kept for the step view

// What the engine publishes after each block (for the panel and the status line).
struct EngineSnapshot {
  int64_t frame = 0;
  int64_t next_step = 0;       // the step that plays next
  double song_position = 0;    // in steps
  double bpm = 120, swing = 0;
  float temperature = 1, master_level = 1, crossfade = 0, crossfade_target = 0;
  float peak_left = 0, peak_right = 0, gain_reduction_db = 0;
  bool playing = false;
  uint8_t mode = 0, mode_bars = 2;
  int active_voices = 0;
  uint64_t late_steps = 0;     // steps the generator had not written in time (played as silence)
  uint64_t steps_played = 0, notes_played = 0;
  uint64_t clock_ticks_sent = 0;
  std::array<float, kDrumClasses> level{};
  std::array<uint8_t, kDrumClasses> muted{};
  // The last kStepWindow steps played: step index, class, from the primer.
  std::array<int64_t, kStepWindow> recent_step{};
  std::array<int16_t, kStepWindow> recent_class{};
  std::array<uint8_t, kStepWindow> recent_from_primer{};
};

class Engine {
 public:
  Engine(const EngineConfig& config, std::shared_ptr<const Kit> kit, GenerationService& generation);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Renders `frames` (<= max_block) of stereo audio into left/right, sends the MIDI due in them.
  DRUMRNN_RT void process(float* left, float* right, int frames);
  DRUMRNN_RT int64_t frame() const { return transport_.frame(); }  // frames processed so far

  // --- set up before the first process() (not thread-safe) ---------------------------------------
  void add_midi_output(const MidiOutputConfig& output);

  // --- any thread except the audio thread ---------------------------------------------------------
  // One producer per queue: the panel/terminal use controls(), the MIDI input thread midi_controls().
  bool send(const Control& c) { return ui_controls_.try_enqueue(c); }
  bool send_from_midi(const Control& c) { return midi_controls_.try_enqueue(c); }
  bool pad(int pitch, float velocity);  // a MIDI pad (MIDI input thread): sounds now, feeds call and response
  void set_kit(std::shared_ptr<const Kit> kit);            // lands at the next block
  void set_loop(std::shared_ptr<const LoopBuffer> loop);    // lands at the next bar line
  void collect_garbage();                                   // frees retired kits and loops
  EngineSnapshot snapshot() const { return snapshot_.load(); }
  LoadFigures load() const { return load_.figures(); }
  void note_xrun() { xruns_.fetch_add(1, std::memory_order_relaxed); }  // backends (any thread)
  uint64_t xruns() const { return xruns_.load(std::memory_order_relaxed); }
  GenerationService& generation() { return generation_; }
  const EngineConfig& config() const { return config_; }
  std::shared_ptr<const Kit> kit() const;
  const ScopeTap& scope() const { return scope_; }  // the newest output samples (left), for the panel

 private:
  DRUMRNN_RT void drain_controls();
  DRUMRNN_RT void apply(const Control& c);
  DRUMRNN_RT void take_handoffs();
  DRUMRNN_RT void handle(const TransportEvent& e);
  DRUMRNN_RT void play_step(int64_t step);
  DRUMRNN_RT void render_voices(float* left, float* right, int frames);
  DRUMRNN_RT void mix_loop_slot(float* left, float* right, int frames);
  DRUMRNN_RT void limit_master(float* left, float* right, int frames);
  DRUMRNN_RT void publish_meters(const float* left, const float* right, int frames);
  DRUMRNN_RT void send_all(uint8_t status, bool clock_only);
  DRUMRNN_RT void notes_off();
  DRUMRNN_RT float velocity_for(int64_t step, int drum_class) const;

  struct PadHit {
    int8_t drum_class;
    float velocity;
  };

  EngineConfig config_;
  GenerationService& generation_;
  Transport transport_;
  Sampler sampler_;
  Limiter limiter_;
  LoopSlot loop_slot_;
  LoadMeter load_;
  SeqLock<EngineSnapshot> snapshot_;
  ScopeTap scope_;

  moodycamel::ReaderWriterQueue<Control> ui_controls_{256}, midi_controls_{256};
  moodycamel::ReaderWriterQueue<PadHit> pads_{256};
  moodycamel::ReaderWriterQueue<const Kit*> kit_in_{8}, kit_out_{8};
  moodycamel::ReaderWriterQueue<const LoopBuffer*> loop_in_{8}, loop_out_{8};
  mutable std::mutex owners_mutex_;  // guards the owning pointers below (never taken by the audio thread)
  std::vector<std::shared_ptr<const Kit>> kits_;
  std::vector<std::shared_ptr<const LoopBuffer>> loops_;
  const Kit* kit_ = nullptr;
  const LoopBuffer* pending_loop_ = nullptr;
  std::atomic<uint64_t> xruns_{0};

  std::array<MidiOutputConfig, 4> outputs_{};
  int output_count_ = 0;

  // Audio-thread state.
  float temperature_ = 1.0f, master_level_ = 1.0f;
  std::array<float, kDrumClasses> level_{};
  std::array<bool, kDrumClasses> muted_{};
  std::array<std::array<bool, kDrumClasses>, 4> sounding_{};  // notes on, per output
  int64_t block_frame_ = 0;
  float peak_l_ = 0, peak_r_ = 0;
  uint64_t late_steps_ = 0, steps_played_ = 0, notes_played_ = 0, ticks_sent_ = 0;
  EngineSnapshot published_;
};

}  // namespace drumrnn::rt
