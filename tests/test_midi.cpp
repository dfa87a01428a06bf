// The MIDI side of the live engine: kit note maps, controller maps and MIDI learn, MIDI input routing,
// the external-clock follower, the frame clock, and the RtMidi sender against a real JACK receiver.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "music/drum_encoding.h"
#include "realtime/clock_follower.h"
#include "realtime/controller_map.h"
#include "realtime/frame_clock.h"
#include "realtime/kit_map.h"
#include "realtime/link_clock.h"
#include "realtime/midi_in.h"
#include "realtime/midi_learn.h"
#include "realtime/midi_out.h"
#include "jack_fixture.h"
#include "test_support.h"

using namespace drumrnn;
using namespace drumrnn::rt;

// Counts allocations on the thread that armed it, so the DRUMRNN_RT paths can be checked for none.
namespace {
thread_local bool g_counting = false;
thread_local int64_t g_allocations = 0;
}  // namespace
void* operator new(size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }

template <class Error, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kGoodKit = R"({"name": "t", "source": "test", "channel": 10, "notes": {"kick": 36, "snare": 38,
  "closed hat": 42, "open hat": 46, "low tom": 45, "mid tom": 48, "high tom": 50, "crash": 49, "ride": 51}})";

}  // namespace

// --- kit maps --------------------------------------------------------------------------------------

TEST_CASE("kit maps: every shipped preset loads, with a source and notes in range", "[rt]") {
  const auto names = kit_map_names();
  for (const char* want : {"gm", "roland_tr8s", "korg_volca_beats"})
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
  for (const auto& name : names) {
    INFO(name);
    const KitMap map = load_kit_map(name);
    CHECK(!map.name.empty());
    CHECK(!map.source.empty());
    CHECK(map.channel >= 0);
    CHECK(map.channel < 16);
    for (int n : map.note) CHECK((n >= 0 && n <= 127));
  }
}

TEST_CASE("kit maps: gm plays Magenta's drum_kit pitches on channel 10, the TR-8S its own", "[rt]") {
  const KitMap gm = load_kit_map("gm");
  CHECK(gm.channel == 9);
  for (int c = 0; c < kDrumClasses; ++c) CHECK(gm.note[c] == kDrumKitClassPitch[c]);
  const KitMap tr8s = load_kit_map("roland_tr8s");
  CHECK(tr8s.note == std::array<int, kDrumClasses>{36, 38, 42, 46, 43, 47, 50, 49, 51});
  const KitMap volca = load_kit_map("korg_volca_beats");
  CHECK(volca.note == std::array<int, kDrumClasses>{36, 38, 42, 46, 43, 50, 50, 49, 49});
  CHECK(!volca.comment.empty());
}

TEST_CASE("kit maps: a file path loads, bad files give one line naming the file and the key", "[rt]") {
  test::TempDir dir;
  test::write_bytes(dir.str("good.json"), kGoodKit);
  CHECK(load_kit_map(dir.str("good.json")).note[0] == 36);

  struct Case {
    const char* file;
    std::string text;
    const char* needle;
  };
  std::string unknown = kGoodKit, missing = kGoodKit, range = kGoodKit, channel = kGoodKit;
  unknown.replace(unknown.find("\"ride\""), 6, "\"cowbell\"");
  const std::string ride = ", \"ride\": 51";
  missing.replace(missing.find(ride), ride.size(), "");
  range.replace(range.find("36"), 2, "128");
  channel.replace(channel.find("10"), 2, "17");
  const Case cases[] = {
      {"syntax.json", "{\"name\": \"x\", \"notes\": {", "not valid JSON"},
      {"unknown.json", unknown, "cowbell"},
      {"missing.json", missing, "ride"},
      {"range.json", range, "notes.kick"},
      {"channel.json", channel, "channel"},
      {"array.json", "[1, 2]", "object"},
  };
  for (const auto& c : cases) {
    test::write_bytes(dir.str(c.file), c.text);
    const std::string e = error_of<KitMapError>([&] { load_kit_map(dir.str(c.file)); });
    INFO(e);
    CHECK(one_line(e));
    CHECK_THAT(e, Catch::Contains(c.file) && Catch::Contains(c.needle));
  }
  const std::string e = error_of<KitMapError>([] { load_kit_map("no_such_kit"); });
  CHECK(one_line(e));
  CHECK_THAT(e, Catch::Contains("no_such_kit") && Catch::Contains("not found"));
}

// --- controller maps -------------------------------------------------------------------------------

TEST_CASE("controller maps: shipped presets load, save and load round-trip", "[rt]") {
  const auto names = controller_map_names();
  for (const char* want : {"generic_8_knobs", "akai_mpk_mini"})
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
  for (const auto& name : names) {
    INFO(name);
    CHECK(!load_controller_map(name).bindings.empty());
  }

  ControllerMap map = load_controller_map("akai_mpk_mini");
  map.bindings.push_back({3, 20, ControlTarget::drum_mute, 1, 0.0f, 1.0f, true});
  test::TempDir dir;
  save_controller_map(map, dir.str("saved.json"));
  const ControllerMap back = load_controller_map(dir.str("saved.json"));
  CHECK(back.name == map.name);
  REQUIRE(back.bindings.size() == map.bindings.size());
  for (size_t i = 0; i < map.bindings.size(); ++i) {
    const auto &a = map.bindings[i], &b = back.bindings[i];
    INFO(i);
    CHECK(a.channel == b.channel);
    CHECK(a.cc == b.cc);
    CHECK(a.target == b.target);
    CHECK(a.index == b.index);
    CHECK(a.min == b.min);
    CHECK(a.max == b.max);
    CHECK(a.toggle == b.toggle);
  }
}

TEST_CASE("controller maps: unknown targets, drums and keys give one line naming the file", "[rt]") {
  test::TempDir dir;
  const std::pair<const char*, const char*> cases[] = {
      {R"({"name": "x", "bindings": [{"cc": 1, "target": "wobble"}]})", "wobble"},
      {R"({"name": "x", "bindings": [{"cc": 1, "target": "mute", "index": "cowbell"}]})", "cowbell"},
      {R"({"name": "x", "bindings": [{"cc": 1, "target": "mute"}]})", "index"},
      {R"({"name": "x", "bindings": [{"cc": 200, "target": "bpm"}]})", "cc"},
      {R"({"name": "x", "bindings": [{"cc": 1, "target": "bpm", "knob": 3}]})", "knob"},
      {R"({"name": "x"})", "bindings"},
      {R"({"name": "x", "bindings": [)", "JSON"},
  };
  int i = 0;
  for (const auto& [text, needle] : cases) {
    const std::string file = dir.str("bad" + std::to_string(i++) + ".json");
    test::write_bytes(file, text);
    const std::string e = error_of<ControllerMapError>([&] { load_controller_map(file); });
    INFO(e);
    CHECK(one_line(e));
    CHECK_THAT(e, Catch::Contains(file) && Catch::Contains(needle));
  }
}

TEST_CASE("map_cc: scales 0..127 onto min..max, filters channels, fires triggers and toggles on press", "[rt]") {
  const ControllerMap map = parse_controller_map(R"({"name": "t", "bindings": [
      {"cc": 70, "target": "temperature", "min": 0.2, "max": 2.0},
      {"cc": 71, "target": "bpm", "channel": 2},
      {"cc": 72, "target": "mode_bars", "min": 1, "max": 8},
      {"cc": 20, "target": "mute", "index": "snare", "toggle": true},
      {"cc": 21, "target": "play"},
      {"cc": 22, "target": "level", "index": 4}]})",
                                                 "inline");
  Control c;
  REQUIRE(map_cc(map, 0, 70, 0, c));
  CHECK(c.target == ControlTarget::temperature);
  CHECK(c.value == Approx(0.2f));
  REQUIRE(map_cc(map, 5, 70, 127, c));
  CHECK(c.value == Approx(2.0f));
  REQUIRE(map_cc(map, 0, 70, 64, c));
  CHECK(c.value == Approx(0.2f + 1.8f * 64 / 127));

  CHECK_FALSE(map_cc(map, 0, 71, 64, c));  // bound to channel 2 (1 zero-based) only
  REQUIRE(map_cc(map, 1, 71, 127, c));
  CHECK(c.target == ControlTarget::bpm);
  CHECK(c.value == Approx(300.0f));  // the target's natural range when min/max are absent

  REQUIRE(map_cc(map, 0, 72, 60, c));
  CHECK(c.value == std::round(c.value));  // bar counts are whole

  ToggleState toggles;
  REQUIRE(map_cc(map, 0, 20, 127, c, &toggles));
  CHECK(c.target == ControlTarget::drum_mute);
  CHECK(c.index == 1);
  CHECK(c.value == 1.0f);
  CHECK_FALSE(map_cc(map, 0, 20, 0, c, &toggles));  // release
  REQUIRE(map_cc(map, 0, 20, 127, c, &toggles));
  CHECK(c.value == 0.0f);  // second press unmutes

  REQUIRE(map_cc(map, 0, 21, 127, c));
  CHECK(c.target == ControlTarget::play);
  CHECK_FALSE(map_cc(map, 0, 21, 0, c));

  REQUIRE(map_cc(map, 0, 22, 127, c));
  CHECK(c.target == ControlTarget::drum_level);
  CHECK(c.index == 4);
  CHECK_FALSE(map_cc(map, 0, 99, 127, c));
}

TEST_CASE("MIDI learn: an armed target binds the next CC once, with_binding moves it", "[rt]") {
  MidiLearn learn;
  ControllerBinding b;
  CHECK_FALSE(learn.on_cc(0, 10, b));
  learn.arm(ControlTarget::drum_mute, 2);
  CHECK(learn.armed());
  REQUIRE(learn.on_cc(3, 44, b));
  CHECK(b.channel == 3);
  CHECK(b.cc == 44);
  CHECK(b.target == ControlTarget::drum_mute);
  CHECK(b.index == 2);
  CHECK(b.toggle);
  CHECK_FALSE(learn.on_cc(3, 45, b));  // one CC per arm
  learn.arm(ControlTarget::bpm);
  learn.cancel();
  CHECK_FALSE(learn.on_cc(0, 1, b));

  ControllerMap map = parse_controller_map(
      R"({"name": "t", "bindings": [{"cc": 70, "target": "bpm"}, {"cc": 44, "target": "swing"}]})", "inline");
  learn.arm(ControlTarget::bpm);
  REQUIRE(learn.on_cc(-1, 44, b));
  map = with_binding(map, b);  // bpm leaves CC 70, swing loses CC 44
  REQUIRE(map.bindings.size() == 1);
  Control c;
  CHECK_FALSE(map_cc(map, 0, 70, 100, c));
  REQUIRE(map_cc(map, 0, 44, 127, c));
  CHECK(c.target == ControlTarget::bpm);
}

TEST_CASE("MidiInput: routes CCs, note-ons, learn and clock bytes to their queues", "[rt]") {
  MidiInput in(nullptr, "test");
  auto map = std::make_shared<ControllerMap>(parse_controller_map(
      R"({"name": "t", "bindings": [{"cc": 70, "target": "temperature", "min": 0, "max": 1}]})", "inline"));
  in.set_controller_map(map);
  const uint8_t cc[] = {0xB0, 70, 127}, note[] = {0x99, 38, 100}, note_off[] = {0x99, 38, 0};
  in.on_message(cc, 3, 1000);
  in.on_message(note, 3, 2000);
  in.on_message(note_off, 3, 3000);
  Control c;
  REQUIRE(in.pop_control(c));
  CHECK(c.value == Approx(1.0f));
  CHECK_FALSE(in.pop_control(c));
  NoteIn n;
  REQUIRE(in.pop_note(n));
  CHECK(n.channel == 9);
  CHECK(n.pitch == 38);
  CHECK(n.velocity == 100);
  CHECK(n.ns == 2000);
  CHECK_FALSE(in.pop_note(n));  // velocity 0 is a note-off

  in.learn().arm(ControlTarget::swing);
  const uint8_t cc2[] = {0xB2, 12, 50};
  in.on_message(cc2, 3, 4000);
  ControllerBinding learned;
  REQUIRE(in.pop_learned(learned));
  CHECK(learned.cc == 12);
  CHECK(learned.channel == 2);
  CHECK_FALSE(in.pop_control(c));  // a learned CC does not also move anything

  in.set_controller_map(std::make_shared<ControllerMap>(with_binding(*in.controller_map(), learned)));
  in.on_message(cc2, 3, 5000);
  REQUIRE(in.pop_control(c));
  CHECK(c.target == ControlTarget::swing);

  const uint8_t start[] = {0xFA}, tick[] = {0xF8}, spp[] = {0xF2, 8, 0};
  in.on_message(start, 1, 6000);
  for (int64_t i = 0; i < 3; ++i) in.on_message(tick, 1, 7000 + i * 20'833'333);
  CHECK(in.clock().running());
  CHECK(in.clock().ticks() == 3);
  in.on_message(spp, 3, 8000);
  CHECK(in.clock().ticks() == 48);
}

// --- the clock follower ----------------------------------------------------------------------------

namespace {

constexpr int64_t period_ns(double bpm) { return static_cast<int64_t>(60e9 / (24 * bpm)); }

}  // namespace

TEST_CASE("clock follower: steady 120 BPM with ±1 ms jitter reads within 0.5 BPM", "[rt]") {
  MidiClockFollower f;
  CHECK(f.bpm() == 0.0);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> jitter(-1'000'000, 1'000'000);
  const int64_t t0 = 5'000'000'000;
  double worst = 0.0;
  for (int i = 0; i < 24 * 16; ++i) {
    f.on_byte(kMidiClock, t0 + i * period_ns(120) + jitter(rng));
    if (i >= 2 * MidiClockFollower::kWindowTicks) worst = std::max(worst, std::abs(f.bpm() - 120.0));
  }
  INFO("worst error after the window filled: " << worst << " BPM");
  CHECK(worst < 0.5);
  CHECK_FALSE(f.running());  // clock without Start: tempo only
  CHECK(f.ticks() == 0);
}

TEST_CASE("clock follower: a tempo step 120 → 140 is followed within 2 beats", "[rt]") {
  MidiClockFollower f;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> jitter(-500'000, 500'000);
  int64_t t = 1'000'000'000;
  for (int i = 0; i < 24 * 4; ++i, t += period_ns(120)) f.on_byte(kMidiClock, t + jitter(rng));
  CHECK(f.bpm() == Approx(120.0).margin(0.5));
  for (int i = 0; i < 24 * 2; ++i, t += period_ns(140)) f.on_byte(kMidiClock, t + jitter(rng));
  INFO("bpm two beats after the step: " << f.bpm());
  CHECK(f.bpm() == Approx(140.0).margin(0.5));
}

TEST_CASE("clock follower: Start, Stop, Continue and Song Position set the position", "[rt]") {
  MidiClockFollower f;
  int64_t t = 0;
  auto ticks = [&](int n) {
    for (int i = 0; i < n; ++i) f.on_byte(kMidiClock, t += period_ns(100));
  };
  ticks(10);  // before Start: tempo, no position
  CHECK(f.ticks() == 0);
  f.on_byte(kMidiStart, t);
  CHECK(f.running());
  ticks(24);
  CHECK(f.ticks() == 24);
  CHECK(f.last_tick_ns() == t);
  f.on_byte(kMidiStop, t);
  CHECK_FALSE(f.running());
  ticks(5);
  CHECK(f.ticks() == 24);  // stopped: the clock keeps the tempo, not the position
  f.on_byte(kMidiContinue, t);
  ticks(6);
  CHECK(f.ticks() == 30);
  f.on_byte(kMidiStop, t);
  f.on_song_position(16, t);  // bar 2 in 4/4
  CHECK(f.ticks() == 96);
  f.on_byte(kMidiContinue, t);
  ticks(1);
  CHECK(f.ticks() == 97);
  f.on_byte(kMidiStart, t);  // Start always goes back to 0
  CHECK(f.ticks() == 0);
  const ClockSnapshot s = f.snapshot();
  CHECK(s.running);
  CHECK(s.bpm() == Approx(100.0).margin(0.01));
  CHECK(f.bpm() == Approx(100.0).margin(0.01));
}

TEST_CASE("clock follower: a stalled clock restarts the fit instead of halving the tempo", "[rt]") {
  MidiClockFollower f;
  int64_t t = 0;
  for (int i = 0; i < 48; ++i) f.on_byte(kMidiClock, t += period_ns(120));
  t += 3'000'000'000;  // the sender paused for 3 s
  for (int i = 0; i < 4; ++i) f.on_byte(kMidiClock, t += period_ns(90));
  CHECK(f.bpm() == Approx(90.0).margin(0.1));
}

TEST_CASE("real-time paths: map_cc, MidiInput, the clock follower, FrameClock and push never allocate", "[rt]") {
  MidiInput in(nullptr, "test");
  in.set_controller_map(std::make_shared<ControllerMap>(load_controller_map("generic_8_knobs")));
  FrameClock clock;
  MidiOutSender sender(nullptr, clock, "none");
  MidiClockFollower follower;
  const ControllerMap map = load_controller_map("akai_mpk_mini");
  ToggleState toggles;
  Control c;
  MidiEvent e;
  e.size = 1;
  e.bytes[0] = kMidiClock;
  g_allocations = 0;
  g_counting = true;
  for (int64_t i = 0; i < 1000; ++i) {
    const uint8_t cc[] = {0xB0, static_cast<uint8_t>(70 + i % 8), static_cast<uint8_t>(i % 128)};
    const uint8_t note[] = {0x99, 36, 90}, tick[] = {0xF8}, spp[] = {0xF2, 4, 0};
    in.on_message(cc, 3, i);
    in.on_message(note, 3, i);
    in.on_message(tick, 1, i * 20'833'333);
    if (i % 100 == 0) in.on_message(spp, 3, i);
    map_cc(map, 0, 70 + i % 8, i % 128, c, &toggles);
    follower.on_byte(kMidiClock, i * 20'833'333);
    clock.publish(i * 128, i * 2'666'667, 48000.0);
    e.frame = i;
    sender.push(e);
  }
  g_counting = false;
  CHECK(g_allocations == 0);
  CHECK(in.stats().messages > 0);
  g_counting = true;  // the counter itself works
  auto* probe = new std::vector<int>(100);
  g_counting = false;
  delete probe;
  CHECK(g_allocations > 0);
}

// --- the frame clock -------------------------------------------------------------------------------

TEST_CASE("frame clock: maps frames through the latest anchor, readers see whole anchors", "[rt]") {
  FrameClock clock;
  int64_t ns = 0;
  CHECK_FALSE(clock.frame_to_ns(0, ns));
  clock.publish(48000, 2'000'000'000, 48000.0);
  REQUIRE(clock.frame_to_ns(96000, ns));
  CHECK(ns == 3'000'000'000);
  REQUIRE(clock.frame_to_ns(48000 - 480, ns));
  CHECK(ns == 1'990'000'000);

  // A writer publishing anchors on the line ns = 1000 × frame (at 1 MHz): a torn read would mix two
  // anchors and land off the line.
  FrameClock shared;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int64_t f = 0; f < 200000; ++f) shared.publish(f, f * 1000, 1e6);
    done = true;
  });
  int64_t bad = 0;
  while (!done) {
    int64_t frame = 0, anchor_ns = 0;
    double rate = 0;
    if (shared.anchor(frame, anchor_ns, rate) && (anchor_ns != frame * 1000 || rate != 1e6)) ++bad;
  }
  writer.join();
  CHECK(bad == 0);
}

TEST_CASE("MIDI out: a full queue drops and counts instead of blocking the audio thread", "[rt]") {
  FrameClock clock;
  MidiOutSender sender(nullptr, clock, "none", 16);
  MidiEvent e;
  e.size = 1;
  e.bytes[0] = kMidiClock;
  int accepted = 0;
  for (int i = 0; i < 100; ++i) accepted += sender.push(e) ? 1 : 0;
  CHECK(accepted >= 16);
  CHECK(accepted < 100);
  CHECK(sender.dropped() == static_cast<uint64_t>(100 - accepted));
  sender.start();
  sender.stop();
}

// --- ports and the real-time sender against a real receiver ----------------------------------------

namespace {

using test::have_program;
using test::JackServer;

struct Received {
  std::mutex mutex;
  std::vector<std::pair<uint8_t, int64_t>> events;  // status byte, CLOCK_MONOTONIC at arrival
};

void on_received(double, std::vector<unsigned char>* message, void* user) {
  auto* r = static_cast<Received*>(user);
  std::lock_guard<std::mutex> lock(r->mutex);
  if (message && !message->empty()) r->events.emplace_back((*message)[0], monotonic_now_ns());
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

// 24 clock ticks at 120 BPM through MidiOutSender into a receiver on the same API. Asserts count and
// order; prints the timing (the machine decides that, not the code).
void check_sender(RtMidi::Api api, const char* label) {
  Received received;
  received.events.reserve(64);
  RtMidiIn receiver(api, "drumrnn-test-receiver");
  receiver.ignoreTypes(true, false, true);
  receiver.setCallback(on_received, &received);
  receiver.openVirtualPort("in");

  std::string opened;
  auto port = open_midi_out("drumrnn-test-receiver", api, opened);
  INFO("opened " << opened);
  FrameClock clock;
  MidiOutSender sender(std::move(port), clock, opened);
  constexpr int kTicks = 24;
  constexpr double kRate = 48000.0;
  const int64_t frames_per_tick = static_cast<int64_t>(kRate * 60.0 / (120.0 * 24));  // 1000
  const int64_t t0 = monotonic_now_ns() + 100'000'000;
  clock.publish(0, t0, kRate);
  for (int i = 0; i < kTicks; ++i) {
    MidiEvent e;
    e.frame = i * frames_per_tick;
    e.size = 1;
    e.bytes[0] = kMidiClock;
    REQUIRE(sender.push(e));
  }
  sender.start();
  if (!sender.status().empty()) std::printf("%s: %s\n", label, sender.status().c_str());
  for (int i = 0; i < 300; ++i) {  // a deadline for failure only: the events are due within 0.6 s
    {
      std::lock_guard<std::mutex> lock(received.mutex);
      if (received.events.size() >= kTicks) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // anything extra would show up now
  sender.stop();
  receiver.cancelCallback();

  std::lock_guard<std::mutex> lock(received.mutex);
  REQUIRE(received.events.size() == static_cast<size_t>(kTicks));
  CHECK(sender.stats().sent == static_cast<uint64_t>(kTicks));
  CHECK(sender.dropped() == 0);
  std::vector<double> late_ms, jitter_ms;
  for (int i = 0; i < kTicks; ++i) {
    CHECK(received.events[i].first == kMidiClock);
    if (i > 0) CHECK(received.events[i].second >= received.events[i - 1].second);
    late_ms.push_back((received.events[i].second - (t0 + i * 20'833'333)) / 1e6);
  }
  const double median = percentile(late_ms, 0.5);
  for (double l : late_ms) jitter_ms.push_back(std::abs(l - median));
  std::printf("%s: %d ticks at 120 BPM, latency median %.3f ms; jitter around it p50 %.3f ms, p99 %.3f ms, "
              "max %.3f ms (sender max late %.3f ms)\n",
              label, kTicks, median, percentile(jitter_ms, 0.5), percentile(jitter_ms, 0.99),
              percentile(jitter_ms, 1.0), sender.stats().max_late_ns / 1e6);
}

}  // namespace

TEST_CASE("MIDI out: 24 ticks reach a JACK receiver in order (jackd -d dummy)", "[rt]") {
  if (!have_program("jackd")) return test::skip_test("jackd is not installed (apt-get install jackd2)");
  JackServer server;
  if (!server.up()) return test::skip_test("jackd -d dummy did not start here");
  check_sender(RtMidi::UNIX_JACK, "JACK");

  const std::string e = error_of<MidiPortError>([] {
    std::string name;
    open_midi_out("no-such-port-xyz", RtMidi::UNIX_JACK, name);
  });
  INFO(e);
  CHECK(one_line(e));
  CHECK_THAT(e, Catch::StartsWith("no MIDI output matches 'no-such-port-xyz' (available: "));
}

TEST_CASE("MIDI out: 24 ticks reach an ALSA sequencer receiver in order", "[rt]") {
  if (!midi_api_reachable(RtMidi::LINUX_ALSA))
    return test::skip_test("no ALSA sequencer here (/dev/snd/seq; modprobe snd-seq to run this test)");
  check_sender(RtMidi::LINUX_ALSA, "ALSA");
}

TEST_CASE("MIDI ports: with no reachable API the error says none are available", "[rt]") {
  if (midi_api_reachable(RtMidi::LINUX_ALSA)) return test::skip_test("an ALSA sequencer is present");
  const char* old = std::getenv("JACK_DEFAULT_SERVER");
  const std::string saved = old ? old : "";
  setenv("JACK_DEFAULT_SERVER", "drumrnn-test-no-such-server", 1);
  CHECK(midi_output_names().empty());
  const std::string e = error_of<MidiPortError>([] {
    std::string name;
    open_midi_in("keys", RtMidi::UNSPECIFIED, name);
  });
  if (old)
    setenv("JACK_DEFAULT_SERVER", saved.c_str(), 1);
  else
    unsetenv("JACK_DEFAULT_SERVER");
  CHECK(e == "no MIDI input matches 'keys' (available: none)");
  CHECK(midi_api_from_name("jack") == RtMidi::UNIX_JACK);
  CHECK_THROWS_AS(midi_api_from_name("coreaudio"), MidiPortError);
}

#if DRUMRNN_HAVE_LINK
TEST_CASE("Link clock: tempo requests and beats advance on the monotonic clock (no network)", "[rt]") {
  LinkClock link(120.0);
  CHECK_FALSE(link.enabled());
  CHECK(link.bpm() == Approx(120.0));
  CHECK(link.peers() == 0);
  link.request_tempo(133.0);
  CHECK(link.bpm() == Approx(133.0));
  const int64_t now = link.now_us();
  CHECK(std::llabs(now - monotonic_now_ns() / 1000) < 1'000'000);
  const double b0 = link.beat_at(now, 4.0), b1 = link.beat_at(now + 60'000'000 / 133, 4.0);
  CHECK(b1 - b0 == Approx(1.0).margin(1e-6));
  CHECK(link.time_at_beat(b1, 4.0) == Approx(static_cast<double>(now + 60'000'000 / 133)).margin(2));
}
#endif
