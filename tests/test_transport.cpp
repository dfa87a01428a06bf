// The transport: steps and MIDI clock ticks to the sample, swing, tempo changes at the next step,
// Start/Stop/Continue and Song Position.
#include <catch2/catch.hpp>

#include <vector>

#include "realtime/transport.h"

using namespace drumrnn::rt;

namespace {

struct Fired {
  TransportEvent::Kind kind;
  int64_t frame, step;
  int tick;
};

// Runs the transport in blocks the way Engine::process does, recording every event's frame.
std::vector<Fired> run(Transport& t, int64_t frames, int block = 128) {
  std::vector<Fired> out;
  int64_t done = 0;
  while (done < frames) {
    int left = static_cast<int>(std::min<int64_t>(block, frames - done));
    while (left > 0) {
      TransportEvent e;
      while (t.pop_due(e)) out.push_back({e.kind, t.frame(), e.step_index, e.tick_in_step});
      int n = t.frames_to_next_event(left);
      if (n <= 0) n = 1;
      t.advance(n);
      left -= n;
      done += n;
    }
  }
  return out;
}

std::vector<int64_t> frames_of(const std::vector<Fired>& f, TransportEvent::Kind kind) {
  std::vector<int64_t> out;
  for (const auto& e : f)
    if (e.kind == kind) out.push_back(e.frame);
  return out;
}

}  // namespace

TEST_CASE("transport: 16ths and 24-ppqn ticks land on exact frames at 120 BPM", "[rt]") {
  Transport t(48000, 120);
  t.play();
  const auto fired = run(t, 48000 * 2);  // two seconds = one bar
  REQUIRE(fired.front().kind == TransportEvent::start);
  const auto steps = frames_of(fired, TransportEvent::step);
  const auto ticks = frames_of(fired, TransportEvent::tick);
  REQUIRE(steps.size() == 16);
  REQUIRE(ticks.size() == 96);  // 24 per beat
  for (size_t i = 0; i < steps.size(); ++i) CHECK(steps[i] == int64_t(i) * 6000);
  for (size_t i = 0; i < ticks.size(); ++i) CHECK(ticks[i] == int64_t(i) * 1000);
  // A tick and the step it belongs to share a frame; the tick comes first.
  CHECK(fired[1].kind == TransportEvent::tick);
  CHECK(fired[2].kind == TransportEvent::step);
}

TEST_CASE("transport: block size does not move any event", "[rt]") {
  for (int block : {1, 17, 64, 1000, 4096}) {
    Transport a(44100, 133), b(44100, 133);
    a.play();
    b.play();
    const auto x = run(a, 44100 * 3, 128), y = run(b, 44100 * 3, block);
    REQUIRE(x.size() == y.size());
    for (size_t i = 0; i < x.size(); ++i) CHECK(x[i].frame == y[i].frame);
  }
}

TEST_CASE("transport: swing delays every second 16th, clock ticks stay straight", "[rt]") {
  Transport t(48000, 120);
  t.set_swing(0.5);
  t.play();
  const auto fired = run(t, 48000);
  const auto steps = frames_of(fired, TransportEvent::step);
  const auto ticks = frames_of(fired, TransportEvent::tick);
  REQUIRE(steps.size() >= 8);
  for (size_t i = 0; i < 8; ++i) CHECK(steps[i] == int64_t(i) * 6000 + ((i & 1) ? 3000 : 0));
  for (size_t i = 0; i < ticks.size(); ++i) CHECK(ticks[i] == int64_t(i) * 1000);
}

TEST_CASE("transport: a tempo change takes effect at the next step", "[rt]") {
  Transport t(48000, 120);
  t.play();
  run(t, 3000);  // half-way through step 0
  t.set_bpm(60);
  const auto fired = run(t, 48000);
  const auto steps = frames_of(fired, TransportEvent::step);
  REQUIRE(steps.size() >= 3);
  CHECK(steps[0] == 6000);               // step 1 keeps step 0's length
  CHECK(steps[1] == 6000 + 12000);       // then 60 BPM
  CHECK(steps[2] == 6000 + 2 * 12000);
}

TEST_CASE("transport: stop, continue and song position", "[rt]") {
  Transport t(48000, 120);
  t.play();
  run(t, 6000 * 5 + 10);  // steps 0..5 fired
  t.stop();
  auto fired = run(t, 10000);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].kind == TransportEvent::stop);
  t.resume();
  fired = run(t, 100);
  REQUIRE(fired.size() >= 3);
  CHECK(fired[0].kind == TransportEvent::resume);
  CHECK(fired[0].step == 6);  // the next step that had not played
  CHECK(fired[2].kind == TransportEvent::step);
  CHECK(fired[2].step == 6);
  t.stop();
  run(t, 10);
  t.locate(32);  // Song Position Pointer: bar 3
  t.resume();
  fired = run(t, 10);
  CHECK(fired[0].step == 32);
  CHECK(fired[2].step == 32);
}

TEST_CASE("transport: extreme tempos are clamped, never stall", "[rt]") {
  Transport t(48000, 1e9);
  CHECK(t.bpm() == 300);
  t.set_bpm(-5);
  CHECK(t.bpm() == 20);
  t.set_bpm(300);
  t.play();
  const auto steps = frames_of(run(t, 48000), TransportEvent::step);
  CHECK(steps.size() == 20);  // 300 BPM: 20 steps per second
}
