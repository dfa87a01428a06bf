// drumrnn render: the live engine offline. Length from bars and BPM, the same seed gives the same
// bytes, and the MIDI file holds exactly the notes heard in the audio.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include <sndfile.h>

#include "music/smf.h"
#include "test_support.h"

using namespace drumrnn;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Wav {
  int rate = 0, channels = 0;
  std::vector<float> left;
};

Wav read_wav(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  REQUIRE(f);
  std::vector<float> all(static_cast<size_t>(info.frames) * info.channels);
  sf_readf_float(f, all.data(), info.frames);
  sf_close(f);
  Wav w{info.samplerate, info.channels, {}};
  for (sf_count_t i = 0; i < info.frames; ++i) w.left.push_back(all[size_t(i) * info.channels]);
  return w;
}

}  // namespace

TEST_CASE("render: length, determinism, and MIDI notes where the audio has hits", "[rt]") {
  test::TempDir dir;
  const auto a = test::run_drumrnn({"render", "--bars", "4", "--bpm", "100", "--out", dir.str("a.wav"), "--midi",
                                    dir.str("a.mid"), "--seed", "5"});
  INFO(a.out);
  REQUIRE(a.status == 0);
  const auto b = test::run_drumrnn({"render", "--bars", "4", "--bpm", "100", "--out", dir.str("b.wav"), "--midi",
                                    dir.str("b.mid"), "--seed", "5"});
  REQUIRE(b.status == 0);
  CHECK(slurp(dir.str("a.wav")) == slurp(dir.str("b.wav")));
  CHECK(slurp(dir.str("a.mid")) == slurp(dir.str("b.mid")));
  const auto c = test::run_drumrnn({"render", "--bars", "4", "--bpm", "100", "--out", dir.str("c.wav"), "--seed", "6"});
  REQUIRE(c.status == 0);
  CHECK(slurp(dir.str("a.wav")) != slurp(dir.str("c.wav")));

  const Wav wav = read_wav(dir.str("a.wav"));
  CHECK(wav.rate == 48000);
  CHECK(wav.channels == 2);
  // 4 bars of 4/4 at 100 BPM = 9.6 s.
  CHECK(wav.left.size() == 460800);

  const MidiFile midi = parse_smf(slurp(dir.str("a.mid")));
  REQUIRE(midi.tracks.size() == 1);
  std::vector<uint64_t> onsets;
  for (const auto& e : midi.tracks[0].events)
    if (e.kind == MidiEvent::Kind::channel && e.status == kNoteOn && e.data2 > 0) {
      CHECK(e.channel == 9);
      CHECK(e.tick % 120 == 0);  // on a 16th at 480 ticks per quarter
      onsets.push_back(e.tick);
    }
  REQUIRE(onsets.size() > 8);
  CHECK(onsets.front() == 0);  // the primer's kick on the downbeat
  // Every note is heard: a transient right after its step's frame.
  const double frames_per_tick = 48000.0 * 60.0 / 100.0 / 480.0;
  for (uint64_t tick : onsets) {
    const auto f = static_cast<size_t>(std::llround(tick * frames_per_tick));
    float peak = 0;
    for (size_t i = f; i < std::min(wav.left.size(), f + 480); ++i) peak = std::max(peak, std::fabs(wav.left[i]));
    CHECK(peak > 0.02f);
  }
  // Every note-on has its note-off, the last ones at the end of the render.
  int on = 0, off = 0;
  for (const auto& e : midi.tracks[0].events)
    if (e.kind == MidiEvent::Kind::channel) (e.status == kNoteOn && e.data2 > 0 ? on : off)++;
  CHECK(on == off);
  float hi = 0;
  for (float x : wav.left) hi = std::max(hi, std::fabs(x));
  CHECK(hi > 0.1f);
  CHECK(hi <= std::pow(10.0f, -1.0f / 20.0f) + 1e-4f);  // the limiter's ceiling, 24-bit rounding aside
}

TEST_CASE("render: bad flags and files are one line", "[rt]") {
  test::TempDir dir;
  auto r = test::run_drumrnn({"render", "--bars", "0", "--out", dir.str("x.wav")});
  CHECK(r.status != 0);
  r = test::run_drumrnn({"render", "--out", "/no/such/dir/x.wav"});
  test::check_one_line_error(r, "/no/such/dir/x.wav");
  r = test::run_drumrnn({"render", "--out", dir.str("x.wav"), "--primer", "[(36)]"});
  test::check_one_line_error(r, "primer");
  test::write_bytes(dir.str("bad.wav"), "RIFF nonsense");
  r = test::run_drumrnn({"render", "--out", dir.str("x.wav"), "--loop", dir.str("bad.wav")});
  test::check_one_line_error(r, "bad.wav");
}

TEST_CASE("render: the loop slot plays a WAV tempo-locked, crossfaded in at the bar line", "[rt]") {
  test::TempDir dir;
  // One bar at 120 BPM (2 s) of a 441 Hz sine at 44.1 kHz, mono: the engine resamples it to 48 kHz.
  {
    SF_INFO info{};
    info.samplerate = 44100;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open(dir.str("loop.wav").c_str(), SFM_WRITE, &info);
    REQUIRE(f);
    std::vector<float> sine(88200);
    for (size_t i = 0; i < sine.size(); ++i) sine[i] = 0.5f * std::sin(2 * M_PI * 441.0 * double(i) / 44100.0);
    sf_writef_float(f, sine.data(), static_cast<sf_count_t>(sine.size()));
    sf_close(f);
  }
  const auto r = test::run_drumrnn({"render", "--bars", "2", "--bpm", "120", "--out", dir.str("out.wav"), "--loop",
                                    dir.str("loop.wav"), "--crossfade", "1", "--seed", "1"});
  INFO(r.out);
  REQUIRE(r.status == 0);
  const Wav wav = read_wav(dir.str("out.wav"));
  REQUIRE(wav.left.size() == 192000);
  // After the first bar line's 50 ms ramp the output is the loop alone: 441 Hz (zero crossings every
  // 48000 / 882 frames), at the sine's level.
  int crossings = 0;
  float peak = 0;
  for (size_t i = 48000; i < 144000; ++i) {
    crossings += (wav.left[i - 1] < 0) != (wav.left[i] < 0);
    peak = std::max(peak, std::fabs(wav.left[i]));
  }
  CHECK(crossings == Approx(2 * 441 * 2).margin(4));  // two seconds of 441 Hz
  CHECK(peak == Approx(0.5f).margin(0.02f));
}
