#include "realtime/portaudio_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include <portaudio.h>

#include "realtime/frame_clock.h"

namespace drumrnn::rt {
namespace {

// ALSA and JACK print pages of probing messages to stderr while PortAudio initialises; a performer
// needs one line, so stderr is pointed at /dev/null for the duration.
class QuietStderr {
 public:
  QuietStderr() : saved_(::dup(2)) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 2);
      ::close(null);
    }
  }
  ~QuietStderr() {
    if (saved_ >= 0) {
      ::dup2(saved_, 2);
      ::close(saved_);
    }
  }

 private:
  int saved_;
};

struct PortAudioLibrary {
  PortAudioLibrary() {
    QuietStderr quiet;
    ok = Pa_Initialize() == paNoError;
  }
  ~PortAudioLibrary() {
    if (ok) Pa_Terminate();
  }
  bool ok = false;
};

PortAudioLibrary& library() {
  static PortAudioLibrary lib;  // initialised on the first call, off the audio thread
  return lib;
}

std::string device_label(const PaDeviceInfo* d) {
  return std::string(Pa_GetHostApiInfo(d->hostApi)->name) + ": " + d->name;
}

double monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

}  // namespace

std::vector<AudioDeviceInfo> audio_output_devices() {
  std::vector<AudioDeviceInfo> out;
  if (!library().ok) return out;
  const int n = Pa_GetDeviceCount();
  for (int i = 0; i < n; ++i) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    if (!d || d->maxOutputChannels < 1) continue;
    out.push_back({i, d->name, Pa_GetHostApiInfo(d->hostApi)->name, d->maxOutputChannels, d->defaultSampleRate});
  }
  return out;
}

PortAudioBackend::PortAudioBackend(const std::string& device, double sample_rate, int buffer_frames)
    : sample_rate_(sample_rate), buffer_frames_(buffer_frames) {
  if (!library().ok) throw AudioDeviceError("PortAudio could not start");
  PaDeviceIndex index = paNoDevice;
  if (device.empty()) {
    index = Pa_GetDefaultOutputDevice();
    if (index == paNoDevice) throw AudioDeviceError("no default audio output device (no sound card, no JACK server)");
  } else {
    std::string names;
    for (const auto& d : audio_output_devices()) {
      const std::string label = d.host_api + ": " + d.name;
      if (index == paNoDevice && label.find(device) != std::string::npos) index = d.index;
      names += (names.empty() ? "" : ", ") + label;
    }
    if (index == paNoDevice)
      throw AudioDeviceError("no audio output matches '" + device + "' (available: " + (names.empty() ? "none" : names) + ")");
  }
  const PaDeviceInfo* info = Pa_GetDeviceInfo(index);
  name_ = device_label(info);
  PaStreamParameters out{};
  out.device = index;
  out.channelCount = 2;
  out.sampleFormat = paFloat32 | paNonInterleaved;
  out.suggestedLatency = info->defaultLowOutputLatency;
  PaStream* stream = nullptr;
  QuietStderr quiet;
  const PaError err = Pa_OpenStream(&stream, nullptr, &out, sample_rate, static_cast<unsigned long>(buffer_frames),
                                    paClipOff, &PortAudioBackend::callback, this);
  if (err != paNoError) throw AudioDeviceError(name_ + ": " + Pa_GetErrorText(err));
  stream_ = stream;
}

PortAudioBackend::~PortAudioBackend() {
  stop();
  if (stream_) Pa_CloseStream(static_cast<PaStream*>(stream_));
}

void PortAudioBackend::start(Engine& engine) {
  engine_ = &engine;
  time_offset_ns_ = monotonic_ns() - Pa_GetStreamTime(static_cast<PaStream*>(stream_)) * 1e9;
  const PaError err = Pa_StartStream(static_cast<PaStream*>(stream_));
  if (err != paNoError) throw AudioDeviceError(name_ + ": " + Pa_GetErrorText(err));
}

void PortAudioBackend::stop() {
  if (stream_ && Pa_IsStreamActive(static_cast<PaStream*>(stream_)) == 1) Pa_StopStream(static_cast<PaStream*>(stream_));
}

bool PortAudioBackend::alive() const {
  return stream_ && Pa_IsStreamActive(static_cast<PaStream*>(stream_)) == 1;
}

int PortAudioBackend::callback(const void*, void* output, unsigned long frames,
                               const PaStreamCallbackTimeInfo* time_info, unsigned long status, void* arg) {
  auto* self = static_cast<PortAudioBackend*>(arg);
  auto** channels = static_cast<float**>(output);
  if (status & paOutputUnderflow) self->engine_->note_xrun();
  if (self->frame_clock_) {
    const auto* t = time_info;
    self->frame_clock_->publish(self->engine_->frame(), int64_t(t->outputBufferDacTime * 1e9 + self->time_offset_ns_),
                                self->sample_rate_);
  }
  self->engine_->process(channels[0], channels[1], static_cast<int>(frames));
  return paContinue;
}

}  // namespace drumrnn::rt
