// The live engine's sound: the synthesized kit, Hydrogen kits, the sampler and the master limiter.
#include <catch2/catch.hpp>
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>

#include "alloc_counter.h"
#include "realtime/hydrogen_kit.h"
#include "realtime/limiter.h"
#include "realtime/sampler.h"
#include "realtime/synth_kit.h"

using namespace drumrnn::rt;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 48000;
constexpr int kBlock = 64;
const fs::path kSystemKits = "/usr/share/hydrogen/data/drumkits";

const Kit& synth() {
  static const Kit kit = make_synth_kit(kRate);
  return kit;
}

float peak_of(const std::vector<float>& x) {
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  return m;
}

double energy_of(const std::vector<float>& x) {
  double e = 0;
  for (float v : x) e += double(v) * v;
  return e;
}

// Renders `frames` frames (in 64-frame blocks) of whatever the sampler plays; left channel.
std::vector<float> render(Sampler& s, int frames, std::vector<float>* right = nullptr) {
  std::vector<float> l(frames, 0.0f), r(frames, 0.0f);
  for (int at = 0; at < frames; at += kBlock) s.render(l.data() + at, r.data() + at, std::min(kBlock, frames - at));
  if (right) *right = r;
  return l;
}

std::vector<float> hit(int cls, float velocity, int frames) {
  Sampler s;
  s.set_kit(&synth());
  s.trigger(cls, velocity);
  return render(s, frames);
}

// A fresh temp folder per test, removed afterwards.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("drumrnn_" + tag + "_" + std::to_string(getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// A sine of `frames` frames at `rate`; channel c has amplitude 0.5 / (c + 1).
void write_sound(const fs::path& file, int format, int rate, int channels, int frames) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(file.c_str(), SFM_WRITE, &info);
  REQUIRE(f != nullptr);
  std::vector<float> data(size_t(frames) * channels);
  for (int i = 0; i < frames; ++i)
    for (int c = 0; c < channels; ++c) data[size_t(i) * channels + c] = 0.5f / (c + 1) * std::sin(6.2831853f * 440.0f * i / rate);
  REQUIRE(sf_writef_float(f, data.data(), frames) == frames);
  sf_close(f);
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

// A drumkit.xml in Hydrogen 1.x layout: one instrument per (name, file).
std::string kit_xml(const std::string& kit_name, const std::vector<std::pair<std::string, std::string>>& instruments) {
  std::string x = "<?xml version=\"1.0\"?>\n<drumkit_info xmlns=\"http://www.hydrogen-music.org/drumkit\">\n<name>" +
                  kit_name + "</name>\n<instrumentList>\n";
  int id = 0;
  for (const auto& [name, file] : instruments)
    x += "<instrument><id>" + std::to_string(id++) + "</id><name>" + name +
         "</name><volume>1</volume><gain>1</gain><instrumentComponent><component_id>0</component_id><gain>1</gain>"
         "<layer><filename>" + file + "</filename><min>0</min><max>1</max><gain>1</gain><pitch>0</pitch></layer>"
         "</instrumentComponent></instrument>\n";
  return x + "</instrumentList>\n</drumkit_info>\n";
}

bool installed(const std::string& name) { return fs::is_regular_file(kSystemKits / name / "drumkit.xml"); }

void check_complete(const Kit& kit) {
  for (int c = 0; c < kDrumClasses; ++c) {
    INFO(kit.name << ": " << kDrumClassNames[c] << " (" << kit.voices[c].name << ")");
    REQUIRE_FALSE(kit.voices[c].layers.empty());
    for (const KitLayer& layer : kit.voices[c].layers) {
      REQUIRE_FALSE(layer.left.empty());
      REQUIRE(layer.right.size() == layer.left.size());
      for (float v : layer.left) REQUIRE(std::isfinite(v));
    }
    float p = 0;
    for (const KitLayer& layer : kit.voices[c].layers) p = std::max(p, peak_of(layer.left));
    CHECK(p > 0.01f);
  }
}

}  // namespace

TEST_CASE("Synth kit: every class sounds, with lengths that fit the drum", "[rt]") {
  const Kit& kit = synth();
  check_complete(kit);
  auto seconds = [&](int c) { return double(kit.voices[c].layers[0].left.size()) / kRate; };
  CHECK(seconds(0) > 0.2);  // kick
  CHECK(seconds(0) < 1.0);
  CHECK(seconds(2) < 0.3);  // closed hat is short
  CHECK(seconds(3) > 2 * seconds(2));
  CHECK(seconds(7) > 1.0);  // crash and ride ring
  CHECK(seconds(8) > 1.0);
  for (int c = 0; c < kDrumClasses; ++c) {
    CHECK(seconds(c) < 3.0);
    const auto& x = kit.voices[c].layers[0].left;
    CHECK(peak_of(x) <= 1.0f);
    CHECK(std::fabs(x.back()) < 1e-3f);  // ends in silence, no click
    CHECK(kit.voices[c].name == std::string("synth ") + kDrumClassNames[c]);
  }
  CHECK(kit.voices[2].choke_open_hat);

  // Each sits where its drum sits: the RMS frequency, from the energy of the first difference
  // (a sine of f Hz has E[diff²]/E[x²] = (2 sin(pi f / rate))²).
  auto rms_hz = [&](int c) {
    const auto& x = kit.voices[c].layers[0].left;
    double e = 0, d = 0;
    for (size_t i = 1; i < x.size(); ++i) e += double(x[i]) * x[i], d += double(x[i] - x[i - 1]) * (x[i] - x[i - 1]);
    return kRate / M_PI * std::asin(std::min(1.0, std::sqrt(d / e) / 2));
  };
  CHECK(rms_hz(0) < 300);
  CHECK(rms_hz(4) < rms_hz(5));
  CHECK(rms_hz(5) < rms_hz(6));
  CHECK(rms_hz(6) < 400);
  CHECK(rms_hz(1) > 1500);
  CHECK(rms_hz(1) < 8000);
  for (int c : {2, 3, 7, 8}) CHECK(rms_hz(c) > 6000);
  // Deterministic, and at another rate the same durations.
  const Kit again = make_synth_kit(kRate);
  for (int c = 0; c < kDrumClasses; ++c) CHECK(again.voices[c].layers[0].left == kit.voices[c].layers[0].left);
  const Kit k44 = make_synth_kit(44100);
  CHECK(std::fabs(double(k44.voices[0].layers[0].left.size()) / 44100 - seconds(0)) < 0.001);
}

TEST_CASE("Sampler: a triggered voice sounds, then ends", "[rt]") {
  for (int c = 0; c < kDrumClasses; ++c) {
    Sampler s;
    s.set_kit(&synth());
    CHECK(s.active_voices() == 0);
    s.trigger(c, 0.8f);
    CHECK(s.active_voices() == 1);
    const int length = int(synth().voices[c].layers[0].left.size());
    std::vector<float> right;
    const auto out = render(s, length + 2 * kBlock, &right);
    INFO(kDrumClassNames[c]);
    CHECK(peak_of(out) > 0.01f);
    CHECK(out == right);  // a mono sample plays in the middle
    CHECK(s.active_voices() == 0);
    CHECK(peak_of(render(s, 4 * kBlock)) == 0.0f);
  }
}

TEST_CASE("Sampler: the hit starts at the first frame of the next render", "[rt]") {
  Sampler s;
  s.set_kit(&synth());
  render(s, 3 * kBlock);
  s.trigger(1, 1.0f);
  const auto out = render(s, kBlock);
  const auto& sample = synth().voices[1].layers[0].left;
  const float g = Sampler::velocity_gain(1.0f);
  for (int i = 0; i < kBlock; ++i) REQUIRE(out[i] == Approx(sample[i] * g).margin(1e-7));
}

TEST_CASE("Sampler: velocity changes the level", "[rt]") {
  const double loud = energy_of(hit(1, 1.0f, 8000)), soft = energy_of(hit(1, 0.3f, 8000));
  CHECK(loud > 4 * soft);
  CHECK(soft > 0);
  CHECK(Sampler::velocity_gain(1.0f) == 1.0f);
  CHECK(Sampler::velocity_gain(0.5f) == Approx(0.375f));
  CHECK(energy_of(hit(1, 0.0f, 4000)) == 0.0);
  CHECK(energy_of(hit(1, std::numeric_limits<float>::quiet_NaN(), 4000)) == 0.0);
  CHECK(energy_of(hit(42, 1.0f, 4000)) == 0.0);  // an unknown class is ignored
  CHECK(energy_of(hit(-1, 1.0f, 4000)) == 0.0);
}

TEST_CASE("Sampler: velocity picks the Hydrogen layer", "[rt]") {
  Kit kit;
  kit.sample_rate = kRate;
  for (int c = 0; c < kDrumClasses; ++c) kit.voices[c] = make_synth_voice(c, kRate);
  KitLayer soft, hard;
  soft.min_velocity = 0.0f, soft.max_velocity = 0.5f, soft.left = soft.right = std::vector<float>(100, 0.25f);
  hard.min_velocity = 0.5f, hard.max_velocity = 1.0f, hard.left = hard.right = std::vector<float>(100, 1.0f);
  kit.voices[0].layers = {soft, hard};
  auto first_sample = [&](float v) {
    Sampler s;
    s.set_kit(&kit);
    s.trigger(0, v);
    return render(s, kBlock)[0] / Sampler::velocity_gain(v);
  };
  CHECK(first_sample(0.2f) == Approx(0.25f));
  CHECK(first_sample(0.9f) == Approx(1.0f));
}

TEST_CASE("Sampler: mute silences that class only, level scales it", "[rt]") {
  auto play = [](float kick_level, bool mute_snare) {
    Sampler s;
    s.set_kit(&synth());
    s.set_level(0, kick_level);
    s.set_mute(1, mute_snare);
    s.trigger(0, 0.9f);
    s.trigger(1, 0.9f);
    return render(s, 12000);
  };
  const auto kick_only = hit(0, 0.9f, 12000);
  CHECK(play(1.0f, true) == kick_only);
  CHECK(play(1.0f, false) != kick_only);
  const auto half = play(0.5f, true);
  for (size_t i = 0; i < half.size(); ++i) REQUIRE(half[i] == Approx(0.5f * kick_only[i]).margin(1e-6));

  // Muting while a voice plays glides it out within a block or two of ~10 ms.
  Sampler s;
  s.set_kit(&synth());
  s.trigger(8, 1.0f);
  render(s, 1024);
  s.set_mute(8, true);
  render(s, 4800);
  CHECK(peak_of(render(s, 4800)) < 1e-4f);
  s.set_mute(8, false);
  s.trigger(8, 1.0f);
  CHECK(peak_of(render(s, 1024)) > 0.01f);
}

TEST_CASE("Sampler: stealing beyond max_voices stays bounded and finite", "[rt]") {
  Sampler s(4);
  s.set_kit(&synth());
  s.set_retrigger_cut(false);
  std::mt19937 rng(3);
  std::vector<float> l(kBlock), r(kBlock);
  for (int block = 0; block < 500; ++block) {
    for (int k = 0; k < 5; ++k) s.trigger(int(rng() % kDrumClasses), float(rng() % 100) / 99.0f);
    std::fill(l.begin(), l.end(), 0.0f);
    std::fill(r.begin(), r.end(), 0.0f);
    s.render(l.data(), r.data(), kBlock);
    REQUIRE(s.active_voices() <= 4);
    for (float v : l) REQUIRE(std::isfinite(v));
  }
  CHECK(s.active_voices() == 4);
  s.all_notes_off();
  CHECK(s.active_voices() == 0);
  render(s, kBlock * 4);
  CHECK(peak_of(render(s, kBlock)) == 0.0f);
}

TEST_CASE("Sampler: a retrigger cuts the ringing voice of its class", "[rt]") {
  Sampler s;
  s.set_kit(&synth());
  s.trigger(7, 1.0f);
  render(s, 1000);
  s.trigger(7, 1.0f);
  CHECK(s.active_voices() == 1);
  // No click: the step between frames stays within what the crash itself does.
  const auto out = render(s, 2000);
  float step = 0;
  for (size_t i = 1; i < out.size(); ++i) step = std::max(step, std::fabs(out[i] - out[i - 1]));
  CHECK(step < 1.5f);
  s.set_retrigger_cut(false);
  s.trigger(7, 1.0f);
  CHECK(s.active_voices() == 2);
}

TEST_CASE("Sampler: the closed hat chokes the open hat", "[rt]") {
  Sampler both, closed_only;
  both.set_kit(&synth());
  closed_only.set_kit(&synth());
  both.trigger(3, 1.0f);
  render(both, 640);
  both.trigger(2, 1.0f);
  closed_only.trigger(2, 1.0f);
  CHECK(both.active_voices() == 1);
  const auto a = render(both, 8000), b = render(closed_only, 8000);
  for (int i = 200; i < 8000; ++i) REQUIRE(a[i] == Approx(b[i]).margin(1e-7));
  CHECK(std::fabs(a[0] - b[0]) > 0.0f);  // the open hat is still fading at the start
  // Without the choke the open hat keeps ringing.
  Sampler open;
  open.set_kit(&synth());
  open.trigger(3, 1.0f);
  render(open, 640);
  open.trigger(1, 1.0f);
  CHECK(open.active_voices() == 2);
}

TEST_CASE("Sampler: a kit swap finishes the old kit's voices within one render", "[rt]") {
  auto old_kit = std::make_unique<Kit>(make_synth_kit(kRate));
  Kit fresh = make_synth_kit(kRate);
  Sampler s;
  s.set_kit(old_kit.get());
  for (int c = 0; c < kDrumClasses; ++c) s.trigger(c, 1.0f);
  render(s, 1000);
  s.set_kit(&fresh);
  CHECK(s.active_voices() == 0);
  std::vector<float> l(16), r(16);
  s.render(l.data(), r.data(), 16);  // a short block: the fades must still end here
  CHECK(peak_of(l) > 0.0f);
  // Poison the old kit's buffers: any further read from them would show up.
  for (auto& v : old_kit->voices)
    for (auto& layer : v.layers) std::fill(layer.left.begin(), layer.left.end(), 100.0f), std::fill(layer.right.begin(), layer.right.end(), 100.0f);
  CHECK(peak_of(render(s, 4096)) == 0.0f);
  s.trigger(0, 1.0f);
  CHECK(peak_of(render(s, 1024)) > 0.1f);
  s.set_kit(nullptr);
  s.trigger(0, 1.0f);
  render(s, kBlock);
  CHECK(peak_of(render(s, kBlock)) == 0.0f);
}

TEST_CASE("Sampler and limiter: the audio-thread calls never allocate", "[rt]") {
  // The counter itself must see an allocation, or this test proves nothing.
  static int* volatile probe;  // volatile: the compiler may not elide the pair
  static void* volatile raw;
  alloc_counter_arm(true);
  probe = new int(1);
  raw = std::malloc(16);
  alloc_counter_arm(false);
  delete probe;
  std::free(raw);
  REQUIRE(alloc_counter_count() == (kAllocCounterSeesMalloc ? 2u : 1u));

  const Kit& first = synth();  // built before arming: a kit is built off the audio thread
  Kit other = make_synth_kit(kRate);
  Sampler s(8);
  Limiter lim(kRate, -1.0f, 1.0f);
  std::vector<float> l(256), r(256);
  std::mt19937 rng(5);
  alloc_counter_arm(true);
  s.set_kit(&first);
  for (int block = 0; block < 400; ++block) {
    for (int k = 0; k < 3; ++k) s.trigger(int(rng() % kDrumClasses), 1.0f);
    s.set_level(block % kDrumClasses, 1.5f);
    s.set_mute((block + 3) % kDrumClasses, block % 2 == 0);
    if (block == 200) s.set_kit(&other);
    if (block == 300) s.all_notes_off();
    s.render(l.data(), r.data(), 1 + block % 256);
    lim.process(l.data(), r.data(), 1 + block % 256);
    (void)s.active_voices();
  }
  alloc_counter_arm(false);
  CHECK(alloc_counter_count() == 0);
}

// --- Hydrogen kits -----------------------------------------------------------------------------------

TEST_CASE("Hydrogen: the installed kits load with all nine classes", "[rt]") {
  if (!installed("GMRockKit")) {
    WARN("SKIPPED: hydrogen-drumkits is not installed");
    return;
  }
  const Kit gm = load_hydrogen_kit((kSystemKits / "GMRockKit").string(), kRate);
  check_complete(gm);
  CHECK(gm.name == "GMRockKit");
  CHECK(gm.warnings.empty());
  CHECK(gm.voices[0].name == "Kick");
  CHECK(gm.voices[1].name == "Snare");  // not the rimshot or the side stick
  CHECK(gm.voices[2].name == "Hat Closed");
  CHECK(gm.voices[3].name == "Hat Open");
  CHECK(gm.voices[4].name == "Floor Tom");
  CHECK(gm.voices[5].name == "Tom 2");
  CHECK(gm.voices[6].name == "Tom 1");
  CHECK(gm.voices[7].name.find("Crash") != std::string::npos);
  CHECK(gm.voices[8].name.find("Ride") != std::string::npos);
  CHECK(gm.voices[0].layers.size() == 5);
  CHECK(gm.voices[2].choke_open_hat);
  for (size_t i = 1; i < gm.voices[0].layers.size(); ++i)
    CHECK(gm.voices[0].layers[i - 1].min_velocity <= gm.voices[0].layers[i].min_velocity);

  // Any installed kit loads (classes it lacks are synthesized); a few well-known names map as expected.
  for (const auto& entry : fs::directory_iterator(kSystemKits)) {
    if (!fs::is_regular_file(entry.path() / "drumkit.xml")) continue;
    INFO(entry.path());
    const Kit kit = load_hydrogen_kit(entry.path().string(), kRate);
    check_complete(kit);
    for (const std::string& w : kit.warnings) WARN(w);
  }
  if (installed("TR808EmulationKit")) {
    const Kit tr = load_hydrogen_kit((kSystemKits / "TR808EmulationKit" / "drumkit.xml").string(), kRate);
    CHECK(tr.voices[1].name == "Snare 1");
    CHECK(tr.voices[2].name == "Closed Hat");
    CHECK(tr.voices[3].name == "Open Hat");
    CHECK(tr.voices[7].name == "Cymbal");
    CHECK(tr.voices[8].name == "synth ride");  // the 808 kit has no ride
  }
  if (installed("HardElectro1")) {  // the oldest layout: <filename> directly in <instrument>
    const Kit he = load_hydrogen_kit((kSystemKits / "HardElectro1").string(), kRate);
    CHECK(he.voices[0].name == "Kick 1");
    CHECK(he.voices[3].name == "Open HH");
  }
}

TEST_CASE("Hydrogen: a kit the loader cannot use throws one line naming the file", "[rt]") {
  TempDir tmp("badkits");
  auto message = [](const fs::path& p) {
    try {
      load_hydrogen_kit(p.string(), kRate);
    } catch (const KitError& e) {
      return std::string(e.what());
    }
    return std::string("no KitError");
  };
  const std::string missing = message(tmp.path / "nope");
  CHECK(missing.find("nope") != std::string::npos);
  fs::create_directories(tmp.path / "empty");
  CHECK(message(tmp.path / "empty").find("empty/drumkit.xml") != std::string::npos);
  fs::create_directories(tmp.path / "broken");
  write_text(tmp.path / "broken/drumkit.xml", "<drumkit_info><name>x</name><instrumentList><instrument>");
  const std::string broken = message(tmp.path / "broken");
  CHECK(broken.find("broken/drumkit.xml: malformed XML") != std::string::npos);
  fs::create_directories(tmp.path / "other");
  write_text(tmp.path / "other/drumkit.xml", "<song><name>x</name></song>");
  CHECK(message(tmp.path / "other/drumkit.xml").find("other/drumkit.xml") != std::string::npos);
  for (const std::string& m : {missing, broken}) CHECK(m.find('\n') == std::string::npos);
}

TEST_CASE("Hydrogen: an unreadable sample falls back to the synth voice with a warning", "[rt]") {
  TempDir tmp("warnkit");
  write_sound(tmp.path / "Kick.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, kRate, 1, 4800);
  write_text(tmp.path / "Hat.wav", "RIFF this is not a wave file at all");
  write_text(tmp.path / "drumkit.xml", kit_xml("TestKit", {{"Kick", "Kick.wav"}, {"Snare", "Snare-Hard.wav"}, {"Hat Closed", "Hat.wav"}}));
  const Kit kit = load_hydrogen_kit(tmp.path.string(), kRate);
  check_complete(kit);
  CHECK(kit.voices[0].name == "Kick");
  CHECK(kit.voices[1].name == "synth snare");
  CHECK(kit.voices[2].name == "synth closed hat");
  REQUIRE(kit.warnings.size() == 2);
  const std::string snare_prefix = "TestKit: snare: Snare-Hard.wav: ", snare_suffix = "; using the synthesized snare";
  CHECK(kit.warnings[0].rfind(snare_prefix, 0) == 0);
  CHECK(kit.warnings[0].size() > snare_prefix.size() + snare_suffix.size());
  CHECK(kit.warnings[0].substr(kit.warnings[0].size() - snare_suffix.size()) == snare_suffix);
  CHECK(kit.warnings[1].rfind("TestKit: closed hat: Hat.wav: ", 0) == 0);
  for (int c : {3, 4, 5, 6, 7, 8}) CHECK(kit.voices[c].name.rfind("synth ", 0) == 0);  // no match: synth, no warning
}

TEST_CASE("Hydrogen: odd sample formats load and are resampled to the engine rate", "[rt]") {
  TempDir tmp("formats");
  struct Case {
    const char* name;
    const char* file;
    int format, rate, channels;
  };
  const Case cases[] = {
      {"Kick", "k24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 44100, 1},
      {"Snare", "s8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 48000, 1},
      {"Hat Closed", "hf.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 96000, 2},
      {"Hat Open", "ho.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 4},
      {"Tom Low", "tl.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 2},
      {"Tom Mid", "tm.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_32, 32000, 1},
      {"Tom Hi", "th.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 1},
  };
  std::vector<std::pair<std::string, std::string>> instruments;
  for (const Case& c : cases) {
    write_sound(tmp.path / c.file, c.format, c.rate, c.channels, c.rate / 10);  // 0.1 s each
    instruments.emplace_back(c.name, c.file);
  }
  write_text(tmp.path / "drumkit.xml", kit_xml("Formats", instruments));
  const Kit kit = load_hydrogen_kit((tmp.path / "drumkit.xml").string(), kRate);
  INFO(kit.warnings.size() << (kit.warnings.empty() ? "" : " warnings, first: " + kit.warnings[0]));
  REQUIRE(kit.warnings.empty());
  for (int i = 0; i < 7; ++i) {
    const Case& c = cases[i];
    INFO(c.file);
    const KitLayer& layer = kit.voices[i].layers.at(0);
    CHECK(kit.voices[i].name == c.name);
    CHECK(std::abs(int(layer.left.size()) - kRate / 10) <= 2);
    CHECK(peak_of(layer.left) == Approx(0.5f).margin(0.03));
    CHECK(peak_of(layer.right) == Approx(c.channels == 1 ? 0.5f : 0.25f).margin(0.03));  // first two channels
  }
}

TEST_CASE("Hydrogen: older layouts and gains", "[rt]") {
  TempDir tmp("oldkit");
  write_sound(tmp.path / "a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, kRate, 1, 4800);
  write_sound(tmp.path / "b.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, kRate, 1, 2400);
  write_text(tmp.path / "drumkit.xml",
             "<drumkit_info><name>Old</name><instrumentList>"
             "<instrument><name>Bass Drum</name><volume>0.5</volume>"
             "<layer><filename>b.wav</filename><min>0.5</min><max>1</max><gain>0.8</gain></layer>"
             "<layer><filename>a.wav</filename><min>0</min><max>0.5</max><gain>1</gain></layer></instrument>"
             "<instrument><filename>a.wav</filename><name>Snare</name></instrument>"
             "<instrument><name>whatever</name><midiOutNote>42</midiOutNote><layer><filename>b.wav</filename></layer></instrument>"
             "<instrument><name>Hat Semi-Open</name><layer><filename>b.wav</filename></layer></instrument>"
             "<instrument><name>Hat Open</name><layer><filename>b.wav</filename></layer></instrument>"
             "</instrumentList></drumkit_info>");
  const Kit kit = load_hydrogen_kit(tmp.path.string(), kRate);
  CHECK(kit.warnings.empty());
  REQUIRE(kit.voices[0].layers.size() == 2);
  CHECK(kit.voices[0].gain == Approx(0.5f));
  CHECK(kit.voices[0].layers[0].left.size() == 4800);  // sorted by min velocity
  CHECK(kit.voices[0].layers[1].gain == Approx(0.8f));
  CHECK(kit.voices[1].name == "Snare");
  CHECK(kit.voices[2].name == "whatever");  // by midiOutNote alone
  CHECK(kit.voices[3].name == "Hat Open");  // a fully open hat beats a semi-open one
}

TEST_CASE("Hydrogen: find_kits and find_kit", "[rt]") {
  TempDir tmp("kitpath");
  fs::create_directories(tmp.path / "MyKit");
  write_sound(tmp.path / "MyKit/k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, kRate, 1, 480);
  write_text(tmp.path / "MyKit/drumkit.xml", kit_xml("My Special Kit", {{"Kick", "k.wav"}}));
  setenv("DRUMRNN_KIT_PATH", ("/no/such/dir:" + tmp.path.string()).c_str(), 1);
  const auto kits = find_kits();
  REQUIRE_FALSE(kits.empty());
  CHECK(kits[0].name == "My Special Kit");
  CHECK(kits[0].path == (tmp.path / "MyKit").string());
  auto found = find_kit("special");
  REQUIRE(found);
  CHECK(found->path == (tmp.path / "MyKit").string());
  found = find_kit((tmp.path / "MyKit/drumkit.xml").string());
  REQUIRE(found);
  CHECK(load_hydrogen_kit(found->path, kRate).voices[0].name == "Kick");
  CHECK_FALSE(find_kit("no-such-kit-anywhere-xyz"));
  if (installed("GMRockKit")) {
    found = find_kit("gmrock");
    REQUIRE(found);
    CHECK(found->name == "GMRockKit");
  }
  unsetenv("DRUMRNN_KIT_PATH");
}

// --- limiter -----------------------------------------------------------------------------------------

TEST_CASE("Limiter: loud random input never exceeds the ceiling", "[rt]") {
  for (float lookahead_ms : {0.0f, 1.5f}) {
    Limiter lim(kRate, -1.0f, lookahead_ms);
    const float ceiling = std::pow(10.0f, -1.0f / 20.0f);
    CHECK(lim.ceiling() == Approx(ceiling));
    std::mt19937 rng(11);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> l(512), r(512);
    float worst = 0;
    for (int block = 0; block < 400; ++block) {
      const float scale = block % 7 == 0 ? 40.0f : block % 3 == 0 ? 0.1f : 3.0f;  // bursts and lulls
      for (int i = 0; i < 512; ++i) l[i] = scale * noise(rng), r[i] = (i % 50 == 0 ? 50.0f : 1.0f) * noise(rng);
      const int frames = 1 + block % 512;
      lim.process(l.data(), r.data(), frames);
      for (int i = 0; i < frames; ++i) worst = std::max({worst, std::fabs(l[i]), std::fabs(r[i])});
    }
    INFO("lookahead " << lookahead_ms);
    CHECK(worst <= ceiling);
    CHECK(worst > 0.8f * ceiling);
    CHECK(lim.gain_reduction_db() >= 0.0f);
  }
}

TEST_CASE("Limiter: quiet input passes bit for bit", "[rt]") {
  for (float lookahead_ms : {0.0f, 1.0f}) {
    Limiter lim(kRate, -1.0f, lookahead_ms);
    const int d = lim.latency_frames();
    CHECK(d == (lookahead_ms > 0 ? 48 : 0));
    std::vector<float> in(4096), l, r;
    for (size_t i = 0; i < in.size(); ++i) in[i] = 0.85f * std::sin(0.05f * i) * std::cos(0.0007f * i);
    l = r = in;
    lim.process(l.data(), r.data(), int(l.size()));
    for (size_t i = d; i < in.size(); ++i) REQUIRE(l[i] == in[i - d]);
    CHECK(lim.gain_reduction_db() == 0.0f);
  }
}

TEST_CASE("Limiter: extreme inputs give finite output and do not poison the state", "[rt]") {
  // Decision: NaN and ±Inf samples count as silence; huge finite values are limited like any peak.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (float lookahead_ms : {0.0f, 1.0f}) {
    Limiter lim(kRate, -1.0f, lookahead_ms);
    std::vector<float> l = {nan, inf, -inf, FLT_MAX, -FLT_MAX, 1e30f, FLT_MIN / 4, -0.0f, nan, 0.5f};
    std::vector<float> r = {inf, nan, 1e-40f, -FLT_MAX, FLT_MAX, -1e30f, nan, inf, 0.5f, -inf};
    for (int rep = 0; rep < 10; ++rep) {
      auto a = l, b = r;
      lim.process(a.data(), b.data(), int(a.size()));
      for (size_t i = 0; i < a.size(); ++i) {
        REQUIRE(std::isfinite(a[i]));
        REQUIRE(std::isfinite(b[i]));
        REQUIRE(std::fabs(a[i]) <= lim.ceiling());
        REQUIRE(std::fabs(b[i]) <= lim.ceiling());
      }
    }
    CHECK(std::isfinite(lim.gain_reduction_db()));
    // After two seconds of quiet (the release is ~80 ms) the limiter is back to unity.
    std::vector<float> quiet(2 * kRate, 0.0f), q2 = quiet;
    lim.process(quiet.data(), q2.data(), 2 * kRate);
    std::vector<float> in(2048), a, b;
    for (size_t i = 0; i < in.size(); ++i) in[i] = 0.5f * std::sin(0.03f * i);
    a = b = in;
    lim.process(a.data(), b.data(), int(a.size()));
    const int d = lim.latency_frames();
    for (size_t i = d; i < in.size(); ++i) REQUIRE(a[i] == in[i - d]);
    // NaN alone never reduces the gain.
    Limiter fresh(kRate, -1.0f, lookahead_ms);
    std::vector<float> n(256, nan), n2(256, nan);
    fresh.process(n.data(), n2.data(), 256);
    CHECK(fresh.gain_reduction_db() == 0.0f);
    for (float v : n) CHECK(v == 0.0f);
  }
}
