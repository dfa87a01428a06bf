// The engine on a real JACK server (dummy driver), heard by a separate JACK client: MIDI clock and
// notes at their exact frames, Start/Stop, audio, zero xruns; a server that dies mid-run; and the
// PortAudio JACK host API with RtMidi's JACK API as the other route.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "jack_fixture.h"
#include "scheduling_probe.h"
#include <jack/thread.h>  // after jack.h, which it needs
#include "ml/checkpoint.h"
#include "ml/default_model.h"
#include "realtime/engine.h"
#include "realtime/frame_clock.h"
#include "realtime/jack_backend.h"
#include "realtime/midi_out.h"
#include "realtime/offline_render.h"
#include "realtime/synth_kit.h"
#include "magenta_fixtures.h"
#include "test_support.h"

using namespace drumrnn;
using namespace drumrnn::rt;
using test::JackReceiver;
using test::JackServer;

namespace {

bool is_status(const JackReceiver::Event& e, uint8_t status) { return e.size >= 1 && e.bytes[0] == status; }

}  // namespace

TEST_CASE("JACK: clock, Start/Stop and the generated notes reach another client at their frames", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("engine");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");

  GenerationOptions g;
  g.seed = 21;
  GenerationService generation(std::shared_ptr<const DrumRnn>(load_model(default_model_path()).model), g);
  JackBackend backend("drumrnn-under-test", server.name());
  EngineConfig config;
  config.sample_rate = backend.sample_rate();
  Engine engine(config, std::make_shared<Kit>(make_synth_kit(48000)), generation);
  RecordingMidiSink sent;  // what the engine sent, for comparison
  sent.events.reserve(1 << 16);
  JackMidiSink jack_midi;
  MidiOutputConfig to_jack;
  to_jack.sink = &jack_midi;
  engine.add_midi_output(to_jack);
  MidiOutputConfig to_record = to_jack;
  to_record.sink = &sent;
  engine.add_midi_output(to_record);

  JackReceiver receiver(server.name());
  REQUIRE(receiver.ok());
  generation.start_threads();
  backend.start(engine, false, "", &jack_midi);
  test::SchedulingProbe probe(double(backend.buffer_size()) / backend.sample_rate());
  REQUIRE(receiver.connect(backend.name() + ":midi_out", "midi_in"));
  REQUIRE(receiver.connect(backend.name() + ":out_left", "in_left"));
  REQUIRE(receiver.connect(backend.name() + ":out_right", "in_right"));
  engine.send({ControlTarget::play, 0, 0});
  std::this_thread::sleep_for(std::chrono::seconds(4));
  engine.send({ControlTarget::stop, 0, 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  backend.stop();

  const auto got = receiver.events();
  REQUIRE(got.size() > 100);
  CHECK(is_status(got.front(), kMidiStart));
  CHECK(is_status(got.back(), kMidiStop));
  // Clock: 24 per quarter note, every 1,000 frames at 120 BPM and 48 kHz, exactly.
  std::vector<int64_t> ticks;
  for (const auto& e : got)
    if (is_status(e, kMidiClock)) ticks.push_back(e.frame);
  REQUIRE(ticks.size() >= 24 * 7);
  // An xrun skips the receiver's cycle and with it a tick's frame stamp; only a platform stall
  // (the probe below) excuses one.
  const bool stalled = !probe.kept_deadlines() && engine.xruns() > 0;
  for (size_t i = 1; i < ticks.size(); ++i)
    if (!stalled) CHECK(ticks[i] - ticks[i - 1] == 1000);
  // Notes: exactly what the engine generated, in order, each on a step (6,000 frames after a tick 0).
  std::vector<JackReceiver::Event> notes;
  for (const auto& e : got)
    if (e.size == 3 && (e.bytes[0] & 0xF0) == kMidiNoteOn) notes.push_back(e);
  std::vector<MidiEvent> sent_notes;
  for (const auto& e : sent.events)
    if ((e.bytes[0] & 0xF0) == kMidiNoteOn) sent_notes.push_back(e);
  REQUIRE(notes.size() == sent_notes.size());
  REQUIRE(!notes.empty());
  for (size_t i = 0; i < notes.size(); ++i) {
    CHECK(notes[i].bytes[1] == sent_notes[i].bytes[1]);
    CHECK(notes[i].bytes[2] == sent_notes[i].bytes[2]);
    CHECK((notes[i].frame - ticks.front()) % 6000 == 0);
  }
  CHECK(receiver.peak() > 0.05f);  // the kit was heard
  probe.stop();
  const auto load = engine.load();
  INFO(probe.describe() << "; callback load p99 " << load.p99 * 100 << "%, max " << load.max * 100 << "%");
  CHECK(load.p99 < 0.25);
  if (probe.kept_deadlines()) CHECK(engine.xruns() == 0);
  else WARN(engine.xruns() << " xruns not held against the engine: " << probe.describe());
  CHECK(engine.snapshot().late_steps == 0);
}

// Regression: the backend published JACK's cycle times (CLOCK_MONOTONIC_RAW in JACK 2 on Linux) as
// CLOCK_MONOTONIC, so MidiOutSender sent every event at once (here 254 ms "late"). The anchor must
// be within a few periods of now on CLOCK_MONOTONIC. On a machine whose two clocks happen to agree
// this passes either way.
TEST_CASE("JACK: the frame clock is published on CLOCK_MONOTONIC", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("clock");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  GenerationOptions g;
  GenerationService generation(std::shared_ptr<const DrumRnn>(load_model(default_model_path()).model), g);
  JackBackend backend("drumrnn-clock", server.name());
  EngineConfig config;
  config.sample_rate = backend.sample_rate();
  Engine engine(config, std::make_shared<Kit>(make_synth_kit(48000)), generation);
  FrameClock clock;
  backend.set_frame_clock(&clock);
  backend.start(engine, false);
  int64_t best = INT64_MAX;  // the closest of many samples, so a descheduled test thread cannot fail it
  for (int i = 0; i < 200 && best > 20'000'000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    int64_t frame = 0, ns = 0;
    double rate = 0;
    if (clock.anchor(frame, ns, rate)) best = std::min(best, std::abs(ns - monotonic_now_ns()));
  }
  backend.stop();
  CHECK(best < 20'000'000);
}

// Regression (found by TSan on bench_live): JACK calls the xrun callback on its notification thread,
// which read the backend's engine pointer while stop() cleared it. A client that oversleeps its
// period makes the xruns; the plain build checks they are counted, the TSan build that the stop is
// race-free.
TEST_CASE("JACK: xruns are counted, and stopping while they arrive is race-free", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("xrun");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  GenerationOptions g;
  GenerationService generation(std::shared_ptr<const DrumRnn>(load_model(default_model_path()).model), g);
  JackBackend backend("drumrnn-xrun", server.name());
  EngineConfig config;
  config.sample_rate = backend.sample_rate();
  Engine engine(config, std::make_shared<Kit>(make_synth_kit(48000)), generation);
  jack_status_t status;
  jack_client_t* slow = jack_client_open("slow", JackOptions(JackNoStartServer | JackServerName), &status,
                                         server.name().c_str());
  REQUIRE(slow);
  jack_set_process_callback(
      slow,
      [](jack_nframes_t, void*) {
        std::this_thread::sleep_for(std::chrono::milliseconds(8));  // three periods of 128 frames
        return 0;
      },
      nullptr);
  backend.start(engine, false);
  jack_activate(slow);
  for (int i = 0; i < 200 && engine.xruns() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  backend.stop();  // while the xruns go on
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  jack_deactivate(slow);
  jack_client_close(slow);
  CHECK(engine.xruns() >= 3);
}

// Regression (bench_live: 54 xruns a minute at 64 frames, none with jackd -P 70): MidiOutSender's
// thread ran at SCHED_FIFO 60, above the priority a default jackd 2 (-P 10) gives its clients (5),
// so its 50 us spins before each event preempted the JACK cycle.
TEST_CASE("MIDI out: the sender thread runs below a default JACK server's client priority", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("priority");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  jack_status_t status;
  jack_client_t* c = jack_client_open("probe", JackOptions(JackNoStartServer | JackServerName), &status,
                                      server.name().c_str());
  REQUIRE(c);
  const int jack_priority = jack_client_real_time_priority(c);
  jack_client_close(c);
  INFO("JACK client priority " << jack_priority);
  if (jack_priority <= 0) return test::skip_test("this JACK server does not run in real time");
  CHECK(MidiOutSender::kPriority < jack_priority);
}

TEST_CASE("JACK: the engine survives the server dying, keeps time and reconnects", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("dies");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  test::TempDir dir;
  const std::string log = dir.str("live.log");
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(DRUMRNN_BINARY, DRUMRNN_BINARY, "live", "--headless", "--duration", "9", "--seed", "1", (char*)nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  server.kill_now();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  REQUIRE(server.start());
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(log);
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(out);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(out, Catch::Contains("the JACK server stopped; playing on the fallback clock"));
  CHECK_THAT(out, Catch::Contains("reconnected to JACK"));
  // Time went on through the outage: about 9 s of steps at 120 BPM (8 per second), not 4 s.
  const auto at = out.rfind("stopped: ");
  REQUIRE(at != std::string::npos);
  const long steps = std::stol(out.substr(at + 9));
  CHECK(steps > 60);
}

TEST_CASE("JACK: PortAudio's JACK host API for audio and RtMidi's JACK API for MIDI", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("portaudio");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  JackReceiver receiver(server.name(), "listener");
  REQUIRE(receiver.ok());
  const auto r = test::run_drumrnn({"live", "--headless", "--audio-device", "JACK", "--midi-out", "listener",
                                    "--duration", "3", "--seed", "2"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("JACK Audio Connection Kit"));
  const auto got = receiver.events();
  size_t ticks = 0, notes = 0;
  for (const auto& e : got) {
    ticks += is_status(e, kMidiClock);
    notes += e.size == 3 && (e.bytes[0] & 0xF0) == kMidiNoteOn;
  }
  CHECK(ticks >= 24 * 4);
  CHECK(notes > 0);
  CHECK(is_status(got.front(), kMidiStart));
}

TEST_CASE("JACK: live plays a Magenta .mag bundle as its --model", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("bundle");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  JackReceiver receiver(server.name(), "listener");
  REQUIRE(receiver.ok());
  const std::string& bundle = test::magenta::kBundle;
  const auto r = test::run_drumrnn({"live", "--headless", "--model", bundle, "--midi-out", "listener", "--duration", "3",
                                    "--seed", "4"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("model " + bundle));
  size_t notes = 0;
  for (const auto& e : receiver.events()) notes += e.size == 3 && (e.bytes[0] & 0xF0) == kMidiNoteOn;
  CHECK(notes > 0);
}

TEST_CASE("live: a named audio device or MIDI port that does not exist is one line", "[rt]") {
  auto r = test::run_drumrnn({"live", "--headless", "--audio-device", "no-such-card", "--duration", "1"});
  test::check_one_line_error(r, "no-such-card");
  r = test::run_drumrnn({"live", "--headless", "--mode", "loop:x", "--duration", "1"});
  test::check_one_line_error(r, "--mode loop:x");
  r = test::run_drumrnn({"live", "--headless", "--kit", "/no/such/kit", "--duration", "1"});
  test::check_one_line_error(r, "/no/such/kit");
  r = test::run_drumrnn({"live", "--headless", "--kit-map", "/no/such/map.json", "--duration", "1"});
  test::check_one_line_error(r, "/no/such/map.json");
  r = test::run_drumrnn({"live", "--headless", "--model", "/no/such/model.safetensors", "--duration", "1"});
  test::check_one_line_error(r, "/no/such/model.safetensors");
}

TEST_CASE("JACK: a controller's CCs drive temperature and BPM, and an external MIDI clock drives the transport", "[rt][jack]") {
  if (!test::have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server("controls");
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  {
    test::JackSender knobs(server.name(), "knobs");
    REQUIRE(knobs.ok());
    // Two seconds in: knob 1 (CC 70) full up = temperature 2.0, knob 2 (CC 71) full up = 200 BPM.
    knobs.play({{96000, 3, {0xB0, 70, 127}}, {96000, 3, {0xB0, 71, 127}}});
    const auto r = test::run_drumrnn({"live", "--headless", "--midi-in", "knobs", "--controller-map",
                                      "generic_8_knobs", "--duration", "5.5", "--seed", "3"});
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("200.0 BPM  temp 2.00"));
  }
  {
    test::JackSender drum_machine(server.name(), "machine");
    REQUIRE(drum_machine.ok());
    // Start, then 24-ppqn clock at 100 BPM (a tick every 1,200 frames) for 4 seconds.
    std::vector<test::JackSender::Event> script = {{72000, 1, {0xFA, 0, 0}}};
    for (int i = 0; i < 160; ++i) script.push_back({72000 + int64_t(i) * 1200, 1, {0xF8, 0, 0}});
    drum_machine.play(std::move(script));
    const auto r = test::run_drumrnn({"live", "--headless", "--midi-in", "machine", "--clock", "midi",
                                      "--duration", "4.5", "--seed", "3"});
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("100.0 BPM"));
    CHECK_THAT(r.out, Catch::Contains("> bar"));  // playing, started by the machine's Start
  }
}
