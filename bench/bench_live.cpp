// The live engine on a real JACK server, for each period size: callback load, xruns, late steps, and
// how evenly the MIDI clock reaches another JACK client by three routes, measured in the same run:
//   - drumrnn:midi_out, our native JACK MIDI port (events at their exact frame in the period);
//   - MidiOutSender: the engine's events through RtMidi's JACK API, sent by a thread scheduled
//     against the FrameClock (what `drumrnn live` does when it has no native port);
//   - the rival: a plain RtMidi-over-JACK sender, a thread that sleeps until each tick's time and
//     calls sendMessage (RtMidi 5.0 writes every message at frame 0 of the next period).
// Each period size gets its own `jackd -n NAME -d dummy -r 48000 -p P` (stopped by its PID), the
// engine in-process (JackBackend + GenerationService threads + Engine), and separate receiving
// clients (tests/jack_fixture.h) that stamp every event with its frame. A control thread changes
// the temperature every few seconds so the generator works as it would on stage.
//   build/bench_live [--seconds S] [--periods 64,128] [--model F] [--seed N]
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <RtMidi.h>
#include <jack/jack.h>

#include "bench_common.h"
#include "jack_fixture.h"
#include "scheduling_probe.h"
#include "ml/checkpoint.h"
#include "ml/drum_rnn.h"
#include "music/drum_encoding.h"
#include "realtime/engine.h"
#include "realtime/frame_clock.h"
#include "realtime/jack_backend.h"
#include "realtime/midi_out.h"
#include "realtime/synth_kit.h"

using namespace drumrnn;
using namespace drumrnn::rt;
using test::JackReceiver;
using test::JackServer;

namespace {

constexpr double kRate = 48000, kBpm = 120;
constexpr double kTickFrames = kRate * 60.0 / kBpm / 24.0;  // 1,000 frames between 24-ppqn ticks

struct Options {
  double seconds = 60;
  std::vector<int> periods = {64, 128};
  std::string model;
  uint64_t seed = 1;
};

struct Jitter {
  size_t ticks = 0;
  double p50 = 0, p99 = 0, max = 0;  // |interval - expected| in ms
};

struct Row {
  int period = 0;
  bool ok = false;
  std::string why;
  LoadFigures load;
  uint64_t xruns = 0, late_steps = 0, steps = 0, notes = 0, sender_late = 0;
  Jitter native, sender, rival;
  std::string notes_on_priority;
  std::string platform;  // what the machine did to a real-time thread meanwhile
};

// RtMidi output behind the engine's sink interface (as cmd_live does).
class SenderSink : public MidiSink {
 public:
  explicit SenderSink(MidiOutSender& s) : sender_(s) {}
  void send(const MidiEvent& e) override { sender_.push(e); }

 private:
  MidiOutSender& sender_;
};

Jitter clock_jitter(const std::vector<JackReceiver::Event>& events) {
  std::vector<int64_t> frames;
  for (const auto& e : events)
    if (e.size >= 1 && e.bytes[0] == kMidiClock) frames.push_back(e.frame);
  Jitter j;
  j.ticks = frames.size();
  if (frames.size() < 2) return j;
  std::vector<double> err;
  for (size_t i = 1; i < frames.size(); ++i)
    err.push_back(std::abs(double(frames[i] - frames[i - 1]) - kTickFrames) / kRate * 1e3);
  std::sort(err.begin(), err.end());
  auto pct = [&](double q) { return err[static_cast<size_t>(q * double(err.size() - 1))]; };
  j.p50 = pct(0.5);
  j.p99 = pct(0.99);
  j.max = err.back();
  return j;
}

std::string set_fifo(pthread_t thread) {
  sched_param param{};
  param.sched_priority = MidiOutSender::kPriority;  // the rival runs as our sender does
  const int err = pthread_setschedparam(thread, SCHED_FIFO, &param);
  return err == 0 ? "" : std::strerror(err);
}

// The rival: sleeps until each tick's time (CLOCK_MONOTONIC from when it starts) and sends 0xF8.
class PlainRtMidiClock {
 public:
  explicit PlainRtMidiClock(RtMidiOut& port) : port_(port) {}
  ~PlainRtMidiClock() { stop(); }
  std::string start() {
    thread_ = std::thread([this] { run(); });
    return set_fifo(thread_.native_handle());
  }
  void stop() {
    quit_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    const int64_t t0 = monotonic_now_ns();
    const double tick_ns = 60.0 / kBpm / 24.0 * 1e9;
    const unsigned char clock = kMidiClock;
    for (int64_t k = 0; !quit_.load(std::memory_order_relaxed); ++k) {
      const int64_t target = t0 + std::llround(double(k) * tick_ns);
      timespec ts{static_cast<time_t>(target / 1000000000), static_cast<long>(target % 1000000000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
      }
      port_.sendMessage(&clock, 1);
    }
  }
  RtMidiOut& port_;
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

// A JACK output port whose full name contains `needle`, as the server lists it.
std::string find_port(const JackBackend& backend, const std::string& needle) {
  for (const auto& p : backend.ports(JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput))
    if (p.find(needle) != std::string::npos) return p;
  return "";
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

Row run_period(int period, const Options& o, const std::shared_ptr<const DrumRnn>& model) {
  Row row;
  row.period = period;
  JackServer server("bench" + std::to_string(period), period);
  // jackd exits at once ("Too many servers already active") while eight other JACK servers run on
  // the machine (JACK 2's registry limit), e.g. other test suites: wait for a slot.
  for (int attempt = 0; attempt < 10 && !server.up(); ++attempt) {
    sleep_s(2);
    server.start();
  }
  if (!server.up()) {
    row.why = "jackd -d dummy -p " + std::to_string(period) + " did not start";
    return row;
  }
  GenerationOptions g;
  g.seed = o.seed;
  GenerationService generation(model, g);
  JackBackend backend("drumrnn", server.name());
  EngineConfig config;
  config.sample_rate = backend.sample_rate();
  config.bpm = kBpm;
  Engine engine(config, std::make_shared<Kit>(make_synth_kit(backend.sample_rate())), generation);

  JackMidiSink jack_midi;
  MidiOutputConfig native;
  native.sink = &jack_midi;
  engine.add_midi_output(native);

  FrameClock frame_clock;
  auto sender_port = std::make_unique<RtMidiOut>(RtMidi::UNIX_JACK, "drumrnn-sender");
  sender_port->openVirtualPort("out");
  MidiOutSender sender(std::move(sender_port), frame_clock, "drumrnn-sender:out");
  SenderSink sender_sink(sender);
  MidiOutputConfig via_sender = native;
  via_sender.sink = &sender_sink;
  engine.add_midi_output(via_sender);

  RtMidiOut rival_port(RtMidi::UNIX_JACK, "rtmidi-rival");
  rival_port.openVirtualPort("out");
  PlainRtMidiClock rival(rival_port);

  JackReceiver rx_native(server.name(), "rx-native"), rx_sender(server.name(), "rx-sender"),
      rx_rival(server.name(), "rx-rival");
  if (!rx_native.ok() || !rx_sender.ok() || !rx_rival.ok()) {
    row.why = "the receiving JACK clients could not open";
    return row;
  }
  generation.start_threads();
  backend.set_frame_clock(&frame_clock);
  backend.start(engine, false, "", &jack_midi);
  test::SchedulingProbe probe(double(period) / kRate);
  const std::string sender_name = find_port(backend, "drumrnn-sender"), rival_name = find_port(backend, "rtmidi-rival");
  if (!rx_native.connect(backend.name() + ":midi_out", "midi_in") ||
      !rx_native.connect(backend.name() + ":out_left", "in_left") ||
      !rx_native.connect(backend.name() + ":out_right", "in_right") || sender_name.empty() ||
      !rx_sender.connect(sender_name, "midi_in") || rival_name.empty() || !rx_rival.connect(rival_name, "midi_in")) {
    backend.stop();
    row.why = "could not connect the ports";
    return row;
  }
  sender.start();
  if (!sender.status().empty()) row.notes_on_priority = sender.status();

  // The control thread: Play, then a new temperature every 3 s, as a performer would.
  std::thread control([&] {
    engine.send({ControlTarget::play, 0, 0});
    const float temperatures[] = {1.0f, 0.7f, 1.3f, 0.9f, 1.6f, 0.5f, 1.1f};
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 1;; ++i) {
      const auto next = t0 + std::chrono::milliseconds(3000 * i);
      const auto end = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(o.seconds));
      std::this_thread::sleep_until(std::min(next, end));
      if (std::chrono::steady_clock::now() >= end) break;
      engine.send({ControlTarget::temperature, 0, temperatures[i % 7]});
      engine.collect_garbage();
    }
    engine.send({ControlTarget::stop, 0, 0});
  });
  const std::string rival_priority = rival.start();
  if (!rival_priority.empty())
    row.notes_on_priority += (row.notes_on_priority.empty() ? "" : "; ") +
                             ("rival thread: no real-time priority (SCHED_FIFO: " + rival_priority + ")");
  control.join();
  rival.stop();
  sleep_s(0.2);  // the Stop and the last queued events go out
  sender.stop();
  backend.stop();

  const auto snap = engine.snapshot();
  row.ok = true;
  row.load = engine.load();
  row.xruns = engine.xruns();
  probe.stop();
  row.platform = probe.describe();
  row.late_steps = snap.late_steps;
  row.steps = snap.steps_played;
  row.notes = snap.notes_played;
  row.sender_late = sender.stats().late;
  row.native = clock_jitter(rx_native.events());
  row.sender = clock_jitter(rx_sender.events());
  row.rival = clock_jitter(rx_rival.events());
  if (rx_native.peak() <= 0) row.why = "warning: the receiver heard no audio";
  return row;
}

bool parse(int argc, char** argv, Options& o, std::string& command) {
  command = argv[0];
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    command += " " + drumrnn::bench::shell_quote(a);
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    command += " " + drumrnn::bench::shell_quote(v);
    if (a == "--seconds") {
      o.seconds = std::atof(v.c_str());
      if (!(o.seconds >= 1)) return false;
    } else if (a == "--model") {
      o.model = v;
    } else if (a == "--seed") {
      o.seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--periods") {
      o.periods.clear();
      std::stringstream in(v);
      for (std::string p; std::getline(in, p, ',');) {
        const int n = std::atoi(p.c_str());
        if (n < 16 || n > 4096 || (n & (n - 1))) return false;
        o.periods.push_back(n);
      }
      if (o.periods.empty()) return false;
    } else {
      return false;
    }
  }
  return true;
}

void print_jitter(const char* route, const Jitter& j) {
  std::printf("  %-40s %7zu %9.3f %9.3f %9.3f\n", route, j.ticks, j.p50, j.p99, j.max);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string command;
  if (!parse(argc, argv, o, command)) {
    std::fprintf(stderr, "usage: bench_live [--seconds S>=1] [--periods 64,128] [--model FILE] [--seed N]\n");
    return 2;
  }
  if (!test::have_program("jackd")) {
    std::fprintf(stderr, "bench_live: jackd is not installed (apt-get install jackd2)\n");
    return 1;
  }
  std::shared_ptr<const DrumRnn> model;
  std::string model_name;
  try {
    if (o.model.empty()) {
      auto m = std::make_shared<DrumRnn>(DrumRnnShape{&drum_config("drum_kit"), {256, 256, 256}});
      m->init_glorot(o.seed);
      model = std::move(m);
      model_name = "drum_kit [256,256,256], Glorot init";
    } else {
      model = std::shared_ptr<const DrumRnn>(load_model(o.model).model);
      model_name = o.model;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_live: --model %s: %s\n", o.model.c_str(), e.what());
    return 1;
  }

  std::vector<Row> rows;
  for (int p : o.periods) rows.push_back(run_period(p, o, model));

  std::printf("command: %s\nmachine: %s, %u cores\n", command.c_str(), drumrnn::bench::cpu_model().c_str(),
              std::thread::hardware_concurrency());
  std::printf("setup: jackd -d dummy -r 48000, %.0f s per period size, %.0f BPM (a clock tick every %.0f frames = "
              "%.3f ms), model %s, synth kit, temperature changed every 3 s\n",
              o.seconds, kBpm, kTickFrames, kTickFrames / kRate * 1e3, model_name.c_str());
  int status = 0;
  for (const Row& r : rows) {
    std::printf("\nperiod %d frames (%.2f ms)\n", r.period, r.period / kRate * 1e3);
    if (!r.ok) {
      std::printf("  not measured: %s\n", r.why.c_str());
      status = 1;
      continue;
    }
    std::printf("  callback load (share of the period): p50 %.1f%%  p99 %.1f%%  max %.1f%%  (%llu callbacks)\n",
                r.load.p50 * 100, r.load.p99 * 100, r.load.max * 100, (unsigned long long)r.load.callbacks);
    std::printf("  xruns %llu   late steps %llu of %llu   notes %llu   MidiOutSender events >1 ms late %llu\n",
                (unsigned long long)r.xruns, (unsigned long long)r.late_steps, (unsigned long long)r.steps,
                (unsigned long long)r.notes, (unsigned long long)r.sender_late);
    std::printf("  platform: %s\n", r.platform.c_str());
    std::printf("  %-40s %7s %9s %9s %9s\n", "MIDI clock jitter |interval-20.833ms|", "ticks", "p50 ms", "p99 ms",
                "max ms");
    print_jitter("drumrnn:midi_out (native JACK MIDI)", r.native);
    print_jitter("MidiOutSender (RtMidi JACK, FrameClock)", r.sender);
    print_jitter("plain RtMidi JACK sender (rival)", r.rival);
    if (!r.notes_on_priority.empty()) std::printf("  note: %s\n", r.notes_on_priority.c_str());
    if (!r.why.empty()) std::printf("  %s\n", r.why.c_str());
  }
  return status;
}
