// Follows an external MIDI clock (24 ticks per quarter note, Start/Continue/Stop, Song Position
// Pointer). The tempo is a least-squares line through the last kWindowTicks tick times: uniform
// jitter of ±1 ms at 120 BPM moves it by ~0.05 BPM (1 σ), and a tempo change is fully followed after
// kWindowTicks ticks (1.5 beats). Ticks far off the current period (a stalled or restarted clock)
// restart the fit. One writer (the MIDI input thread); reads from any thread through atomics, and
// snapshot() gives a consistent state through a seqlock.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

#include "realtime/rt.h"
#include "realtime/seqlock.h"

namespace drumrnn::rt {

struct ClockSnapshot {
  bool running = false;
  int64_t ticks = 0;          // see MidiClockFollower::ticks()
  int64_t last_tick_ns = 0;   // 0 before the first tick
  double tick_period_ns = 0;  // 0 until a tempo is known
  double bpm() const { return tick_period_ns > 0 ? 60e9 / (24.0 * tick_period_ns) : 0.0; }
};

class MidiClockFollower {
 public:
  static constexpr int kWindowTicks = 36;
  static constexpr int kTicksPerQuarter = 24;
  static constexpr int kTicksPerSixteenth = 6;

  // MIDI input thread. 0xF8 tick, 0xFA Start, 0xFB Continue, 0xFC Stop; other bytes are ignored.
  DRUMRNN_RT void on_byte(uint8_t status, int64_t ns);
  // 0xF2 with its 14-bit value: the position in MIDI beats (16ths). Takes effect for the next tick.
  DRUMRNN_RT void on_song_position(int sixteenths, int64_t ns);

  double bpm() const { return snapshot().bpm(); }  // 0 until two ticks have arrived
  bool running() const { return snapshot().running; }
  // The song position, in 24-ppqn ticks, of the next tick: 0 after Start, 6 × SPP after a Song
  // Position Pointer, +1 per tick while running (so 24 after Start and one beat of ticks).
  int64_t ticks() const { return snapshot().ticks; }
  int64_t last_tick_ns() const { return snapshot().last_tick_ns; }
  ClockSnapshot snapshot() const { return published_.load(); }

 private:
  void tick(int64_t ns);
  void restart_fit(int64_t ns);
  double fit_period() const;
  void publish();

  // Writer-only state.
  std::array<int64_t, kWindowTicks> times_{};  // ring of the latest tick times
  int count_ = 0, head_ = 0;                     // head_: where the next time goes
  double period_ns_ = 0.0;
  int64_t position_ = 0, prev_tick_ns_ = 0;
  bool running_w_ = false;

  SeqLock<ClockSnapshot> published_;  // what readers see
};

}  // namespace drumrnn::rt
