#include "realtime/jack_backend.h"

#include <cstring>

#include <jack/jack.h>
#include <jack/midiport.h>

#include "realtime/frame_clock.h"

namespace drumrnn::rt {
namespace {

jack_client_t* open_client(const std::string& name, const std::string& server, jack_status_t& status) {
  int options = JackNoStartServer;
  if (!server.empty()) options |= JackServerName;
  return server.empty() ? jack_client_open(name.c_str(), JackOptions(options), &status)
                        : jack_client_open(name.c_str(), JackOptions(options), &status, server.c_str());
}

void silence_jack_errors() {
  // libjack prints to stderr when no server runs; the engine reports that in its own one line.
  jack_set_error_function([](const char*) {});
  jack_set_info_function([](const char*) {});
}

}  // namespace

bool jack_server_running(const std::string& server_name) {
  silence_jack_errors();
  jack_status_t status;
  jack_client_t* c = open_client("drumrnn-probe", server_name, status);
  if (!c) return false;
  jack_client_close(c);
  return true;
}

JackBackend::JackBackend(const std::string& client_name, const std::string& server_name) {
  silence_jack_errors();
  jack_status_t status;
  client_ = open_client(client_name, server_name, status);
  const char* server = server_name.empty() ? std::getenv("JACK_DEFAULT_SERVER") : server_name.c_str();
  const std::string which = std::string("JACK server '") + (server && *server ? server : "default") + "'";
  if (!client_) throw AudioDeviceError(which + ": no server is running (status 0x" + std::to_string(status) + ")");
  client_full_name_ = jack_get_client_name(client_);
  out_left_ = jack_port_register(client_, "out_left", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
  out_right_ = jack_port_register(client_, "out_right", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
  midi_out_ = jack_port_register(client_, "midi_out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
  if (!out_left_ || !out_right_ || !midi_out_) {
    jack_client_close(client_);
    client_ = nullptr;
    throw AudioDeviceError(which + ": could not register drumrnn's ports");
  }
  sample_rate_ = jack_get_sample_rate(client_);
  buffer_size_ = static_cast<int>(jack_get_buffer_size(client_));
  jack_set_process_callback(client_, &JackBackend::process_cb, this);
  jack_on_shutdown(client_, &JackBackend::shutdown_cb, this);
  jack_set_xrun_callback(client_, &JackBackend::xrun_cb, this);
  alive_.store(true, std::memory_order_release);
}

JackBackend::~JackBackend() {
  stop();
  if (client_) jack_client_close(client_);
}

std::vector<std::string> JackBackend::ports(const char* type_pattern, unsigned long flags) const {
  std::vector<std::string> out;
  if (!client_ || !alive()) return out;
  if (const char** names = jack_get_ports(client_, nullptr, type_pattern, flags)) {
    for (const char** p = names; *p; ++p) out.emplace_back(*p);
    jack_free(names);
  }
  return out;
}

void JackBackend::start(Engine& engine, bool connect_playback, const std::string& midi_connect, JackMidiSink* midi) {
  engine_.store(&engine, std::memory_order_release);
  midi_sink_ = midi;
  if (jack_activate(client_) != 0) throw AudioDeviceError("JACK: could not activate client " + client_full_name_);
  if (connect_playback) {
    const auto playback = ports(JACK_DEFAULT_AUDIO_TYPE, JackPortIsPhysical | JackPortIsInput);
    if (playback.size() >= 1) jack_connect(client_, jack_port_name(out_left_), playback[0].c_str());
    if (playback.size() >= 2) jack_connect(client_, jack_port_name(out_right_), playback[1].c_str());
  }
  if (!midi_connect.empty())
    for (const auto& p : ports(JACK_DEFAULT_MIDI_TYPE, JackPortIsInput))
      if (p.find(midi_connect) != std::string::npos) jack_connect(client_, jack_port_name(midi_out_), p.c_str());
}

void JackBackend::stop() {
  if (client_ && engine_.load() && alive()) jack_deactivate(client_);
  // JACK may still deliver an xrun notification (its own thread) after deactivating.
  engine_.store(nullptr, std::memory_order_release);
}

void JackMidiSink::send(const MidiEvent& e) {
  void* buffer = buffer_.load(std::memory_order_acquire);
  if (!buffer) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  int64_t offset = e.frame - block_start_;
  if (offset < 0) offset = 0;
  if (offset >= frames_) offset = frames_ - 1;
  if (jack_midi_event_write(buffer, static_cast<jack_nframes_t>(offset), e.bytes, e.size) != 0)
    dropped_.fetch_add(1, std::memory_order_relaxed);
}

int JackBackend::process_cb(uint32_t frames, void* arg) {
  auto* self = static_cast<JackBackend*>(arg);
  auto* left = static_cast<float*>(jack_port_get_buffer(self->out_left_, frames));
  auto* right = static_cast<float*>(jack_port_get_buffer(self->out_right_, frames));
  void* midi = jack_port_get_buffer(self->midi_out_, frames);
  jack_midi_clear_buffer(midi);
  Engine* engine = self->engine_.load(std::memory_order_acquire);
  if (!engine) {
    std::memset(left, 0, frames * sizeof(float));
    std::memset(right, 0, frames * sizeof(float));
    return 0;
  }
  const int64_t block_start = engine->frame();
  if (JackMidiSink* sink = self->midi_sink_) {
    sink->block_start_ = block_start;
    sink->frames_ = frames;
    sink->buffer_.store(midi, std::memory_order_release);
  }
  if (self->frame_clock_) {
    // This period's audio reaches the output one period after the cycle starts. JACK's times are on
    // its own clock (CLOCK_MONOTONIC_RAW in JACK 2 on Linux, which drifts from CLOCK_MONOTONIC by NTP
    // slew: 0.25 s after an hour here); FrameClock's readers use CLOCK_MONOTONIC, so convert.
    jack_nframes_t current_frames;
    jack_time_t current_usecs, next_usecs;
    float period_usecs;
    if (jack_get_cycle_times(self->client_, &current_frames, &current_usecs, &next_usecs, &period_usecs) == 0) {
      const int64_t jack_to_monotonic_ns = monotonic_now_ns() - int64_t(jack_get_time()) * 1000;
      self->frame_clock_->publish(block_start, int64_t(next_usecs) * 1000 + jack_to_monotonic_ns, self->sample_rate_);
    }
  }
  engine->process(left, right, static_cast<int>(frames));
  if (JackMidiSink* sink = self->midi_sink_) sink->buffer_.store(nullptr, std::memory_order_release);
  return 0;
}

void JackBackend::shutdown_cb(void* arg) {
  static_cast<JackBackend*>(arg)->alive_.store(false, std::memory_order_release);
}

int JackBackend::xrun_cb(void* arg) {
  auto* self = static_cast<JackBackend*>(arg);
  const int64_t now = int64_t(jack_get_time());
  const int64_t period_usecs = int64_t(1e6 * self->buffer_size_ / self->sample_rate_);
  const bool same_xrun = self->last_xrun_usecs_ >= 0 && now - self->last_xrun_usecs_ < period_usecs;
  if (!same_xrun) self->last_xrun_usecs_ = now;
  if (same_xrun) return 0;
  if (Engine* engine = self->engine_.load(std::memory_order_acquire)) engine->note_xrun();
  return 0;
}

}  // namespace drumrnn::rt
