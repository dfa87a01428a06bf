#include "realtime/synth_kit.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace drumrnn::rt {
namespace {

constexpr double kTwoPi = 6.283185307179586;
// The six square oscillators of the TR-808's cymbal and hats (Hz): their clash is the "metal".
constexpr double kMetalHz[6] = {205.3, 304.4, 369.6, 522.7, 540.0, 800.0};

// Fixed-seed white noise in -1..1 (xorshift32): the same kit on every machine and every run.
struct Noise {
  uint32_t state;
  explicit Noise(uint32_t seed) : state(seed ? seed : 1) {}
  float next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return static_cast<float>(state) / 2147483648.0f - 1.0f;
  }
};

// RBJ cookbook biquad (transposed direct form II).
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0, z1 = 0, z2 = 0;
  enum Kind { low_pass, high_pass, band_pass };
  Biquad(Kind kind, double hz, double q, int rate) {
    hz = std::min(hz, 0.45 * rate);
    const double w = kTwoPi * hz / rate, c = std::cos(w), alpha = std::sin(w) / (2 * q);
    double n0, n1, n2;
    if (kind == low_pass) n0 = (1 - c) / 2, n1 = 1 - c, n2 = (1 - c) / 2;
    else if (kind == high_pass) n0 = (1 + c) / 2, n1 = -(1 + c), n2 = (1 + c) / 2;
    else n0 = alpha, n1 = 0, n2 = -alpha;
    const double a0 = 1 + alpha;
    b0 = n0 / a0, b1 = n1 / a0, b2 = n2 / a0, a1 = -2 * c / a0, a2 = (1 - alpha) / a0;
  }
  float operator()(float x) {
    const double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return static_cast<float>(y);
  }
};

// Sum of the six 808 squares scaled by `ratio`, with fixed start phases.
struct Metal {
  double phase[6], step[6];
  Metal(double ratio, int rate) {
    for (int k = 0; k < 6; ++k) phase[k] = 0.17 * k, step[k] = kMetalHz[k] * ratio / rate;
  }
  float next() {
    float s = 0;
    for (int k = 0; k < 6; ++k) {
      s += phase[k] < 0.5 ? 1.0f : -1.0f;
      phase[k] += step[k];
      if (phase[k] >= 1.0) phase[k] -= 1.0;
    }
    return s / 6.0f;
  }
};

int frames_for(double seconds, int rate) { return std::max(1, static_cast<int>(seconds * rate)); }

// A 0.5 ms attack and a 3 ms fade at the end, so no sample starts or stops with a step; then the peak.
void finish(std::vector<float>& x, float peak, int rate) {
  const int attack = std::max(1, rate / 2000), release = std::max(1, 3 * rate / 1000);
  const int n = static_cast<int>(x.size());
  for (int i = 0; i < std::min(attack, n); ++i) x[i] *= static_cast<float>(i) / attack;
  for (int i = 0; i < std::min(release, n); ++i) x[n - 1 - i] *= static_cast<float>(i) / release;
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  if (m > 0)
    for (float& v : x) v *= peak / m;
}

std::vector<float> kick(int rate) {
  std::vector<float> x(frames_for(0.55, rate));
  Noise noise(36);
  Biquad click_hp(Biquad::high_pass, 2000, 0.7, rate);
  double phase = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double hz = 46 + 130 * std::exp(-t / 0.030) + 250 * std::exp(-t / 0.004);
    phase += kTwoPi * hz / rate;
    const double body = std::sin(phase) * std::exp(-t / 0.26);
    const double click = click_hp(noise.next()) * std::exp(-t / 0.0025) * 0.35;
    x[i] = static_cast<float>(std::tanh(1.6 * (body + click)) / std::tanh(1.6));
  }
  finish(x, 0.95f, rate);
  return x;
}

std::vector<float> snare(int rate) {
  std::vector<float> x(frames_for(0.35, rate));
  Noise noise(38);
  Biquad hp(Biquad::high_pass, 1400, 0.7, rate), lp(Biquad::low_pass, 9000, 0.7, rate);
  double p1 = 0, p2 = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double bend = 1 + 0.15 * std::exp(-t / 0.012);
    p1 += kTwoPi * 185 * bend / rate;
    p2 += kTwoPi * 330 * bend / rate;
    const double tone = 0.6 * std::sin(p1) * std::exp(-t / 0.055) + 0.3 * std::sin(p2) * std::exp(-t / 0.035);
    const double rattle = lp(hp(noise.next())) * std::exp(-t / 0.11) * 0.9;
    x[i] = static_cast<float>(tone + rattle);
  }
  finish(x, 0.85f, rate);
  return x;
}

std::vector<float> hat(double seconds, double decay, uint32_t seed, int rate) {
  std::vector<float> x(frames_for(seconds, rate));
  Noise noise(seed);
  Metal metal(1.0, rate);
  Biquad bp(Biquad::band_pass, 10000, 0.9, rate), hp(Biquad::high_pass, 7000, 0.7, rate);
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const float src = metal.next() + 0.25f * noise.next();
    x[i] = static_cast<float>(hp(bp(src)) * std::exp(-t / decay));
  }
  finish(x, 0.5f, rate);
  return x;
}

std::vector<float> tom(double hz, uint32_t seed, int rate) {
  std::vector<float> x(frames_for(0.7, rate));
  Noise noise(seed);
  Biquad lp(Biquad::low_pass, 3000, 0.7, rate);
  double p1 = 0, p2 = 0;
  const double decay = 0.18 + 20.0 / hz;  // low toms ring longer
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double bend = 1 + 0.5 * std::exp(-t / 0.04);
    p1 += kTwoPi * hz * bend / rate;
    p2 += kTwoPi * hz * 1.52 * bend / rate;
    const double body = (std::sin(p1) + 0.2 * std::sin(p2) * std::exp(-t / 0.05)) * std::exp(-t / decay);
    const double stick = lp(noise.next()) * std::exp(-t / 0.006) * 0.3;
    x[i] = static_cast<float>(std::tanh(1.3 * (body + stick)));
  }
  finish(x, 0.8f, rate);
  return x;
}

std::vector<float> crash(int rate) {
  std::vector<float> x(frames_for(2.2, rate));
  Noise noise(49);
  Metal metal(1.7, rate);
  Biquad hp(Biquad::high_pass, 3500, 0.7, rate), bp(Biquad::band_pass, 7000, 0.6, rate);
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const float src = 0.6f * metal.next() + 0.6f * noise.next();
    const double env = std::exp(-t / 0.65) * (1 - 0.5 * std::exp(-t / 0.01));
    x[i] = static_cast<float>((hp(src) + 0.7 * bp(src)) * env);
  }
  finish(x, 0.6f, rate);
  return x;
}

std::vector<float> ride(int rate) {
  std::vector<float> x(frames_for(2.5, rate));
  Noise noise(51);
  Metal metal(1.25, rate);
  Biquad hp(Biquad::high_pass, 6000, 0.7, rate), ping_hp(Biquad::high_pass, 4000, 0.7, rate);
  // Inharmonic bell partials (Hz, level) of a ride's cup.
  constexpr double kBell[5][2] = {{512, 0.5}, {771, 0.35}, {1233, 0.3}, {1847, 0.2}, {2604, 0.12}};
  double phase[5] = {0, 0, 0, 0, 0};
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    double bell = 0;
    for (int k = 0; k < 5; ++k) {
      phase[k] += kTwoPi * kBell[k][0] / rate;
      bell += kBell[k][1] * std::sin(phase[k]);
    }
    const float src = 0.5f * metal.next() + 0.5f * noise.next();
    const double wash = hp(src) * std::exp(-t / 0.9) * 0.6;
    const double ping = ping_hp(noise.next()) * std::exp(-t / 0.004) * 0.5;
    x[i] = static_cast<float>(wash + 0.35 * bell * std::exp(-t / 0.5) + ping);
  }
  finish(x, 0.55f, rate);
  return x;
}

}  // namespace

KitVoice make_synth_voice(int drum_class, int sample_rate) {
  const int rate = std::max(sample_rate, 8000);
  std::vector<float> mono;
  switch (drum_class) {
    case 0: mono = kick(rate); break;
    case 1: mono = snare(rate); break;
    case 2: mono = hat(0.15, 0.022, 42, rate); break;
    case 3: mono = hat(0.9, 0.22, 46, rate); break;
    case 4: mono = tom(92, 41, rate); break;
    case 5: mono = tom(130, 47, rate); break;
    case 6: mono = tom(180, 50, rate); break;
    case 7: mono = crash(rate); break;
    default: mono = ride(rate); break;
  }
  KitVoice voice;
  voice.name = std::string("synth ") + kDrumClassNames[std::clamp(drum_class, 0, kDrumClasses - 1)];
  KitLayer layer;
  layer.right = mono;
  layer.left = std::move(mono);
  voice.layers.push_back(std::move(layer));
  voice.choke_open_hat = drum_class == 2;
  return voice;
}

Kit make_synth_kit(int sample_rate) {
  Kit kit;
  kit.name = "synth";
  kit.sample_rate = sample_rate;
  for (int c = 0; c < kDrumClasses; ++c) kit.voices[c] = make_synth_voice(c, sample_rate);
  return kit;
}

}  // namespace drumrnn::rt
