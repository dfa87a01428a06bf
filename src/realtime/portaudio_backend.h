// The engine on PortAudio's default (or a named) output device: ALSA here, or PortAudio's JACK host
// API when a device name says so. Used where no JACK server runs.
#pragma once
#include <string>
#include <vector>

#include "realtime/engine.h"
#include "realtime/jack_backend.h"  // AudioDeviceError

struct PaStreamCallbackTimeInfo;

namespace drumrnn::rt {

class FrameClock;

struct AudioDeviceInfo {
  int index;
  std::string name, host_api;
  int output_channels;
  double default_sample_rate;
};

// Lists output devices (initialises PortAudio quietly; ALSA's probing noise is kept off stderr).
std::vector<AudioDeviceInfo> audio_output_devices();

class PortAudioBackend {
 public:
  // `device`: empty = the default output, else any output whose "host API: name" contains it.
  // Throws AudioDeviceError naming the device.
  PortAudioBackend(const std::string& device, double sample_rate, int buffer_frames);
  ~PortAudioBackend();
  PortAudioBackend(const PortAudioBackend&) = delete;
  PortAudioBackend& operator=(const PortAudioBackend&) = delete;

  void set_frame_clock(FrameClock* clock) { frame_clock_ = clock; }
  void start(Engine& engine);
  void stop();
  bool alive() const;
  std::string name() const { return name_; }
  double sample_rate() const { return sample_rate_; }
  int buffer_size() const { return buffer_frames_; }

 private:
  static int callback(const void*, void* output, unsigned long frames, const ::PaStreamCallbackTimeInfo* time_info,
                      unsigned long status, void* self);
  void* stream_ = nullptr;
  Engine* engine_ = nullptr;
  FrameClock* frame_clock_ = nullptr;
  std::string name_;
  double sample_rate_;
  int buffer_frames_;
  double time_offset_ns_ = 0;  // CLOCK_MONOTONIC minus PortAudio's stream time
};

}  // namespace drumrnn::rt
