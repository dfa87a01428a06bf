// A JACK client that records what arrives on its left audio input into storage reserved up front
// (no allocation in its process callback), for tests that check which audio another client sent.
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include <jack/jack.h>

namespace drumrnn::test {

class JackAudioRecorder {
 public:
  JackAudioRecorder(const std::string& server, double max_seconds, const std::string& name = "recorder") {
    jack_status_t status;
    client_ = jack_client_open(name.c_str(), JackOptions(JackNoStartServer | JackServerName), &status, server.c_str());
    if (!client_) return;
    samples_.assign(static_cast<size_t>(max_seconds * jack_get_sample_rate(client_)), 0.0f);
    in_ = jack_port_register(client_, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    jack_set_process_callback(client_, &JackAudioRecorder::process, this);
    jack_activate(client_);
  }
  ~JackAudioRecorder() {
    if (client_) {
      jack_deactivate(client_);
      jack_client_close(client_);
    }
  }
  bool ok() const { return client_ != nullptr; }
  bool connect(const std::string& from) {
    return client_ && jack_connect(client_, from.c_str(), (std::string(jack_get_client_name(client_)) + ":in").c_str()) == 0;
  }
  size_t recorded() const { return count_.load(std::memory_order_acquire); }
  // The first `n` recorded samples (n <= recorded()).
  std::vector<float> samples(size_t n) const { return {samples_.begin(), samples_.begin() + static_cast<long>(n)}; }

 private:
  static int process(jack_nframes_t frames, void* arg) {
    auto* self = static_cast<JackAudioRecorder*>(arg);
    const auto* a = static_cast<const float*>(jack_port_get_buffer(self->in_, frames));
    size_t at = self->count_.load(std::memory_order_relaxed);
    for (jack_nframes_t i = 0; i < frames && at < self->samples_.size(); ++i) self->samples_[at++] = a[i];
    self->count_.store(at, std::memory_order_release);
    return 0;
  }
  jack_client_t* client_ = nullptr;
  jack_port_t* in_ = nullptr;
  std::vector<float> samples_;
  std::atomic<size_t> count_{0};
};

}  // namespace drumrnn::test
