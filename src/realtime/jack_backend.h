// The engine on a JACK server (libjack): two audio outputs and a native MIDI output port, one process
// callback. MIDI events are written at their exact frame offset inside the period, which RtMidi's JACK
// API cannot do (it writes everything at frame 0 of the next period). JACK_DEFAULT_SERVER is honoured.
#pragma once
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "realtime/engine.h"

typedef struct _jack_client jack_client_t;
typedef struct _jack_port jack_port_t;

namespace drumrnn::rt {

struct AudioDeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FrameClock;

// drumrnn:midi_out as the engine sees it. It outlives the backends that fill it, so that a server
// that dies (and a reconnect) never leaves the engine holding a dangling sink: between periods, or
// with no server, events are dropped.
class JackMidiSink : public MidiSink {
 public:
  DRUMRNN_RT void send(const MidiEvent& e) override;
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  friend class JackBackend;
  std::atomic<void*> buffer_{nullptr};
  int64_t block_start_ = 0;
  uint32_t frames_ = 0;
  std::atomic<uint64_t> dropped_{0};
};

// True when a JACK server answers (without starting one).
bool jack_server_running(const std::string& server_name = "");

class JackBackend {
 public:
  // Opens the client and registers drumrnn:out_left, out_right and midi_out. Throws AudioDeviceError.
  JackBackend(const std::string& client_name = "drumrnn", const std::string& server_name = "");
  ~JackBackend();
  JackBackend(const JackBackend&) = delete;
  JackBackend& operator=(const JackBackend&) = delete;

  double sample_rate() const { return sample_rate_; }
  int buffer_size() const { return buffer_size_; }
  void set_frame_clock(FrameClock* clock) { frame_clock_ = clock; }  // before start()

  // Activates the client with `engine` (which must outlive the backend's activity). Connects the audio
  // outputs to the first two physical playback ports when `connect_playback` and there are any, and
  // the MIDI output to every port whose name contains `midi_connect` (if not empty).
  // MIDI for drumrnn:midi_out comes from `midi` (may be null).
  void start(Engine& engine, bool connect_playback, const std::string& midi_connect = "",
             JackMidiSink* midi = nullptr);
  void stop();

  // False once the server has shut down or kicked us out.
  bool alive() const { return alive_.load(std::memory_order_acquire); }
  std::string name() const { return client_full_name_; }
  std::vector<std::string> ports(const char* type_pattern, unsigned long flags) const;

 private:
  static int process_cb(uint32_t frames, void* self);
  static void shutdown_cb(void* self);
  static int xrun_cb(void* self);

  jack_client_t* client_ = nullptr;
  jack_port_t* out_left_ = nullptr;
  jack_port_t* out_right_ = nullptr;
  jack_port_t* midi_out_ = nullptr;
  std::atomic<Engine*> engine_{nullptr};  // read by the process and xrun callbacks (two JACK threads)
  FrameClock* frame_clock_ = nullptr;
  JackMidiSink* midi_sink_ = nullptr;
  std::atomic<bool> alive_{false};
  // JACK 2 sends one xrun notification per client that was late in a cycle (six for one stalled
  // cycle in bench_live); the engine counts cycles, so notifications within a period of the last
  // counted one are the same xrun. Only the xrun callback's thread touches this.
  int64_t last_xrun_usecs_ = -1;
  double sample_rate_ = 48000;
  int buffer_size_ = 0;
  std::string client_full_name_;
};

}  // namespace drumrnn::rt
