// Real JACK for the tests: a private server with the dummy driver (killed by its own PID) and a
// receiving client that records what other clients send it (MIDI with frame times, audio peaks).
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <jack/jack.h>
#include <jack/midiport.h>

namespace drumrnn::test {

inline bool have_program(const char* name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    if (access((dirs.substr(start, end - start) + "/" + name).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

inline bool jack_answers(const std::string& server) {
  jack_set_error_function([](const char*) {});
  jack_set_info_function([](const char*) {});
  jack_status_t status;
  jack_client_t* c = jack_client_open("drumrnn-test-probe", JackOptions(JackNoStartServer | JackServerName), &status,
                                      server.c_str());
  if (!c) return false;
  jack_client_close(c);
  return true;
}

// `jackd -n NAME -d dummy -r 48000 -p PERIOD`, with JACK_DEFAULT_SERVER pointing at it while it lives.
class JackServer {
 public:
  explicit JackServer(const std::string& tag = "test", int period = 128)
      : name_("drumrnn-" + tag + "-" + std::to_string(getpid())), period_(period) {
    const char* prev = std::getenv("JACK_DEFAULT_SERVER");
    previous_ = prev ? prev : "";
    had_previous_ = prev != nullptr;
    setenv("JACK_DEFAULT_SERVER", name_.c_str(), 1);
    start();
  }
  ~JackServer() {
    stop();
    if (had_previous_) setenv("JACK_DEFAULT_SERVER", previous_.c_str(), 1);
    else unsetenv("JACK_DEFAULT_SERVER");
  }
  bool start() {
    if (start_once()) return true;
    // JACK 2 keeps 8 server slots in /dev/shm and frees one only when its server shuts down; a
    // server that was SIGKILLed leaves its slot taken for good. With no jackd alive at all, the
    // registry is stale by definition and can go.
    if (!any_jackd_alive()) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator("/dev/shm", ec))
        if (e.path().filename().string().rfind("jack", 0) == 0) std::filesystem::remove_all(e.path(), ec);
      return start_once();
    }
    return false;
  }
  static bool any_jackd_alive() {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      std::ifstream comm(e.path() / "comm");
      std::string name;
      if (comm && std::getline(comm, name) && (name == "jackd" || name == "jackdbus")) return true;
    }
    return false;
  }
  bool start_once() {
    if (pid_ > 0) return up_;
    pid_ = fork();
    if (pid_ == 0) {
      // DRUMRNN_JACKD_LOG=FILE keeps what jackd says (its xrun reports name the late client).
      const char* log = std::getenv("DRUMRNN_JACKD_LOG");
      const int out = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0644) : open("/dev/null", O_WRONLY);
      dup2(out, 1);
      dup2(out, 2);
      setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
      const std::string p = std::to_string(period_);
      execlp("jackd", "jackd", "-n", name_.c_str(), "-d", "dummy", "-r", "48000", "-p", p.c_str(), (char*)nullptr);
      _exit(127);
    }
    up_ = false;
    for (int i = 0; i < 100 && !up_; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      up_ = jack_answers(name_);
      if (!up_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return up_;
  }
  // Stops it the way a user would (SIGTERM, then SIGKILL after 2 s). jackd then leaves JACK's server
  // registry, which holds 8 servers per machine and keeps a SIGKILLed server's slot until a server of
  // the same name starts again: a suite that only SIGKILLs locks every JACK test on the machine out
  // ("Too many servers already active") after eight runs.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        up_ = false;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill_now();
  }
  // A crash: the server vanishes at once (its registry slot stays taken until start() again).
  void kill_now() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);  // jackd frees its slot in the shared server registry only when it shuts down
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    up_ = false;
  }
  bool up() const { return up_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_, previous_;
  bool had_previous_ = false;
  int period_;
  pid_t pid_ = -1;
  bool up_ = false;
};

// A separate JACK client with a MIDI input and two audio inputs. Its process callback records every
// MIDI event with its absolute frame (the period's first frame + the event's offset) into storage
// reserved up front, and the audio peak.
class JackReceiver {
 public:
  struct Event {
    int64_t frame;
    uint8_t size, bytes[3];
  };
  explicit JackReceiver(const std::string& server, const std::string& name = "receiver") {
    events_.resize(1 << 18);
    jack_status_t status;
    client_ = jack_client_open(name.c_str(), JackOptions(JackNoStartServer | JackServerName), &status, server.c_str());
    if (!client_) return;
    midi_ = jack_port_register(client_, "midi_in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
    left_ = jack_port_register(client_, "in_left", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    right_ = jack_port_register(client_, "in_right", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    jack_set_process_callback(client_, &JackReceiver::process, this);
    jack_activate(client_);
  }
  ~JackReceiver() {
    if (client_) {
      jack_deactivate(client_);
      jack_client_close(client_);
    }
  }
  bool ok() const { return client_ != nullptr; }
  std::string full_name() const { return client_ ? jack_get_client_name(client_) : ""; }
  bool connect(const std::string& from, const std::string& to_own_port) {
    return client_ && jack_connect(client_, from.c_str(), (full_name() + ":" + to_own_port).c_str()) == 0;
  }
  std::vector<Event> events() const {
    const size_t n = count_.load(std::memory_order_acquire);
    return {events_.begin(), events_.begin() + static_cast<long>(n)};
  }
  float peak() const { return peak_.load(); }
  int64_t frames_heard() const { return frames_.load(); }

 private:
  static int process(jack_nframes_t frames, void* arg) {
    auto* self = static_cast<JackReceiver*>(arg);
    const int64_t start = jack_last_frame_time(self->client_);
    void* buf = jack_port_get_buffer(self->midi_, frames);
    const uint32_t n = jack_midi_get_event_count(buf);
    for (uint32_t i = 0; i < n; ++i) {
      jack_midi_event_t e;
      if (jack_midi_event_get(&e, buf, i) != 0) continue;
      const size_t at = self->count_.load(std::memory_order_relaxed);
      if (at >= self->events_.size()) break;
      Event& out = self->events_[at];
      out.frame = start + e.time;
      out.size = static_cast<uint8_t>(std::min<size_t>(e.size, 3));
      for (int k = 0; k < out.size; ++k) out.bytes[k] = e.buffer[k];
      self->count_.store(at + 1, std::memory_order_release);
    }
    float peak = self->peak_.load(std::memory_order_relaxed);
    for (jack_port_t* p : {self->left_, self->right_}) {
      const auto* a = static_cast<const float*>(jack_port_get_buffer(p, frames));
      for (jack_nframes_t i = 0; i < frames; ++i) peak = std::max(peak, std::abs(a[i]));
    }
    self->peak_.store(peak, std::memory_order_relaxed);
    self->frames_.fetch_add(frames, std::memory_order_relaxed);
    return 0;
  }
  jack_client_t* client_ = nullptr;
  jack_port_t *midi_ = nullptr, *left_ = nullptr, *right_ = nullptr;
  std::vector<Event> events_;
  std::atomic<size_t> count_{0};
  std::atomic<float> peak_{0};
  std::atomic<int64_t> frames_{0};
};

// A JACK client with a MIDI output that plays a script of events at fixed frames, counted from the
// first period after play(). Stands in for a controller or a drum machine's clock.
class JackSender {
 public:
  struct Event {
    int64_t frame;
    uint8_t size, bytes[3];
  };
  JackSender(const std::string& server, const std::string& name) {
    jack_status_t status;
    client_ = jack_client_open(name.c_str(), JackOptions(JackNoStartServer | JackServerName), &status, server.c_str());
    if (!client_) return;
    out_ = jack_port_register(client_, "midi_out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    jack_set_process_callback(client_, &JackSender::process, this);
    jack_activate(client_);
  }
  ~JackSender() {
    if (client_) {
      jack_deactivate(client_);
      jack_client_close(client_);
    }
  }
  bool ok() const { return client_ != nullptr; }
  // Not thread-safe with a running script: call once, before it starts.
  void play(std::vector<Event> script) {
    script_ = std::move(script);
    playing_.store(true, std::memory_order_release);
  }
  bool done() const { return next_.load() >= script_.size() && playing_.load(); }

 private:
  static int process(jack_nframes_t frames, void* arg) {
    auto* self = static_cast<JackSender*>(arg);
    void* buf = jack_port_get_buffer(self->out_, frames);
    jack_midi_clear_buffer(buf);
    if (!self->playing_.load(std::memory_order_acquire)) return 0;
    if (self->start_ < 0) self->start_ = self->elapsed_;
    size_t i = self->next_.load(std::memory_order_relaxed);
    while (i < self->script_.size() && self->script_[i].frame + self->start_ < self->elapsed_ + frames) {
      const auto& e = self->script_[i];
      const int64_t offset = std::max<int64_t>(0, e.frame + self->start_ - self->elapsed_);
      jack_midi_event_write(buf, static_cast<jack_nframes_t>(offset), e.bytes, e.size);
      ++i;
    }
    self->next_.store(i, std::memory_order_relaxed);
    self->elapsed_ += frames;
    return 0;
  }
  jack_client_t* client_ = nullptr;
  jack_port_t* out_ = nullptr;
  std::vector<Event> script_;
  std::atomic<bool> playing_{false};
  std::atomic<size_t> next_{0};
  int64_t start_ = -1, elapsed_ = 0;
};

}  // namespace drumrnn::test
