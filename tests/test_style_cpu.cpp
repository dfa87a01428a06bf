// The CPU style path: the loss and gradient against a direct double-precision reference and finite
// differences, the FFTW STFT against a direct DFT and librosa's numbers, Griffin-Lim's convergence,
// and a small end-to-end transfer (the result's Gram moves to the style, its rhythm stays the
// content's).
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <fstream>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "style/griffin_lim.h"
#include "style/stft.h"
#include "style/style_loss.h"
#include "style/style_transfer.h"
#include "test_support.h"

using namespace drumrnn;
using namespace drumrnn::style;

namespace {

std::vector<float> noise(size_t n, uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Positive "log-spectrograms" with structure, T × C.
std::vector<float> clip(int frames, int channels, uint64_t seed) {
  auto v = noise(size_t(frames) * channels, seed, 0.5f);
  for (int t = 0; t < frames; ++t)
    for (int c = 0; c < channels; ++c) v[size_t(t) * channels + c] = std::fabs(v[size_t(t) * channels + c]) + 0.2f * float((t + c) % 3);
  return v;
}

// The loss written out directly in double: Z[t,f] = Σ_k Σ_c X[t+k,c]·W[f,c,k], A = ReLU(Z),
// L = α·Σ(A − Ac)² + Σ(G − Gs)², G = AᵀA / T, Gs = mean over styles of AsᵀAs / Ts.
struct Reference {
  NetworkShape shape;
  std::vector<float> w;
  std::vector<double> ac, gs;

  std::vector<double> features(const float* x, int frames) const {
    const int C = shape.channels, F = shape.filters, K = shape.kernel_width, rows = frames - K + 1;
    std::vector<double> a(size_t(rows) * F);
    for (int t = 0; t < rows; ++t)
      for (int f = 0; f < F; ++f) {
        double z = 0;
        for (int k = 0; k < K; ++k)
          for (int c = 0; c < C; ++c) z += double(x[size_t(t + k) * C + c]) * w[(size_t(f) * C + c) * K + k];
        a[size_t(t) * F + f] = z > 0 ? z : 0;
      }
    return a;
  }
  std::vector<double> gram(const std::vector<double>& a, int frames) const {
    const int F = shape.filters, rows = frames - shape.kernel_width + 1;
    std::vector<double> g(size_t(F) * F, 0.0);
    for (int i = 0; i < F; ++i)
      for (int j = 0; j < F; ++j)
        for (int t = 0; t < rows; ++t) g[size_t(i) * F + j] += a[size_t(t) * F + i] * a[size_t(t) * F + j] / frames;
    return g;
  }
  Reference(NetworkShape s, std::vector<float> weights, SpectrogramView content, const std::vector<SpectrogramView>& styles)
      : shape(s), w(std::move(weights)) {
    ac = features(content.data, content.frames);
    gs.assign(size_t(s.filters) * s.filters, 0.0);
    for (const auto& st : styles) {
      const auto g = gram(features(st.data, st.frames), st.frames);
      for (size_t i = 0; i < g.size(); ++i) gs[i] += g[i] / double(styles.size());
    }
  }
  double loss(const float* x, int frames) const {
    const auto a = features(x, frames);
    const auto g = gram(a, frames);
    double l = 0;
    for (size_t i = 0; i < a.size(); ++i) l += shape.alpha * (a[i] - ac[i]) * (a[i] - ac[i]);
    for (size_t i = 0; i < g.size(); ++i) l += (g[i] - gs[i]) * (g[i] - gs[i]);
    return l;
  }
};

struct Problem {
  NetworkShape shape{9, 6, 3, 0.7f};
  int frames = 14;
  std::vector<float> w = random_filters(shape, 5);
  std::vector<float> content = clip(frames, shape.channels, 1), style_a = clip(11, shape.channels, 2),
                     style_b = clip(19, shape.channels, 3), x = clip(frames, shape.channels, 4);
  std::vector<SpectrogramView> styles() const { return {{style_a.data(), 11}, {style_b.data(), 19}}; }
};

double relative_error(double got, double want) { return std::fabs(got - want) / std::max(1e-12, std::fabs(want)); }

std::vector<float> tone_clicks(int rate, double seconds, uint64_t seed) {
  // A drum-like content: decaying low thumps on the beat and noise bursts off it.
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> y(size_t(rate * seconds));
  for (size_t i = 0; i < y.size(); ++i) {
    const double t = double(i) / rate, beat = std::fmod(t, 0.5), off = std::fmod(t + 0.25, 0.5);
    y[i] = float(0.8 * std::exp(-beat * 30) * std::sin(2 * M_PI * 70 * beat) + 0.3 * std::exp(-off * 80) * n(rng));
  }
  return y;
}

std::vector<float> chord(int rate, double seconds) {
  std::vector<float> y(size_t(rate * seconds));
  for (size_t i = 0; i < y.size(); ++i) {
    const double t = double(i) / rate;
    y[i] = float(0.25 * (std::sin(2 * M_PI * 440 * t) + std::sin(2 * M_PI * 554 * t) + std::sin(2 * M_PI * 659 * t)));
  }
  return y;
}

// Loudness per STFT frame: the mean of ln(1 + |STFT|) over the bins (peak-normalised first, as the
// result is).
std::vector<double> loudness(std::vector<float> y, int n_fft, int frames) {
  float peak = 0;
  for (float v : y) peak = std::max(peak, std::fabs(v));
  for (auto& v : y) v /= peak;
  const Stft stft(n_fft, true, 1);
  const auto m = stft.log_magnitude(y.data(), int(y.size()), frames);
  std::vector<double> e(size_t(frames), 0.0);
  for (int t = 0; t < frames; ++t)
    for (int k = 0; k < stft.bins(); ++k) e[size_t(t)] += m[size_t(t) * stft.bins() + k] / stft.bins();
  return e;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = std::min(a.size(), b.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) ma += a[i] / double(n), mb += b[i] / double(n);
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) ab += (a[i] - ma) * (b[i] - mb), aa += (a[i] - ma) * (a[i] - ma), bb += (b[i] - mb) * (b[i] - mb);
  return ab / std::sqrt(aa * bb);
}

}  // namespace

TEST_CASE("CPU style loss: loss and gradient agree with a direct double-precision reference", "[style]") {
  Problem p;
  CpuStyleLoss loss(p.shape, p.w, {p.content.data(), p.frames}, p.styles());
  const Reference ref(p.shape, p.w, {p.content.data(), p.frames}, p.styles());
  std::vector<float> grad(p.x.size(), NAN);
  const double got = loss.evaluate(p.x.data(), grad.data());
  CHECK(relative_error(got, ref.loss(p.x.data(), p.frames)) < 1e-5);
  CHECK(loss.content_term() > 0);
  CHECK(loss.style_term() > 0);
  // At the content itself only the style term remains.
  std::vector<float> g2(p.x.size());
  loss.evaluate(p.content.data(), g2.data());
  CHECK(loss.content_term() == 0.0);
}

TEST_CASE("CPU style loss: pure style (alpha 0) and pure content gradients match finite differences", "[style]") {
  for (float alpha : {0.0f, 0.7f, 50.0f}) {
    Problem p;
    p.shape.alpha = alpha;
    CpuStyleLoss loss(p.shape, p.w, {p.content.data(), p.frames}, p.styles());
    const Reference ref(p.shape, p.w, {p.content.data(), p.frames}, p.styles());
    std::vector<float> grad(p.x.size());
    loss.evaluate(p.x.data(), grad.data());
    double num = 0, den = 0;
    for (size_t i = 0; i < p.x.size(); ++i) {
      auto xp = p.x, xm = p.x;
      xp[i] += 1e-3f, xm[i] -= 1e-3f;
      const double fd = (ref.loss(xp.data(), p.frames) - ref.loss(xm.data(), p.frames)) / 2e-3;
      num += (grad[i] - fd) * (grad[i] - fd), den += fd * fd;
    }
    INFO("alpha " << alpha);
    CHECK(std::sqrt(num / den) < 1e-3);
  }
}

TEST_CASE("CPU style loss: a clip shorter than the kernel is refused with the reason", "[style]") {
  Problem p;
  CHECK_THROWS_WITH(CpuStyleLoss(p.shape, p.w, {p.content.data(), 2}, p.styles()), Catch::Contains("shorter than the kernel"));
  CHECK_THROWS_WITH(CpuStyleLoss(p.shape, p.w, {p.content.data(), p.frames}, {{p.style_a.data(), 2}}),
                    Catch::Contains("style clip"));
}

TEST_CASE("STFT: FFTW frames match a direct DFT of the reflect-padded, Hann-windowed signal", "[style]") {
  const int n_fft = 64, len = 300;
  const auto y = noise(len, 7);
  const Stft stft(n_fft, true, 2);
  const int frames = stft.frames_for(len);
  CHECK(frames == 1 + len / 16);
  const auto s = stft.forward(y.data(), len, frames);
  for (int t : {0, 1, frames / 2, frames - 1})
    for (int k : {0, 1, 5, n_fft / 2}) {
      std::complex<double> want = 0;
      for (int m = 0; m < n_fft; ++m) {
        int j = t * 16 + m - n_fft / 2;  // NumPy 'reflect': pad[−k] = y[k]
        if (j < 0) j = -j;
        if (j >= len) j = 2 * (len - 1) - j;
        const double w = 0.5 - 0.5 * std::cos(2 * M_PI * m / n_fft);
        want += w * y[size_t(j)] * std::polar(1.0, -2 * M_PI * k * m / n_fft);
      }
      INFO("frame " << t << " bin " << k);
      CHECK(std::abs(std::complex<double>(s[size_t(t) * (n_fft / 2 + 1) + k]) - want) < 1e-4 * (1 + std::abs(want)));
    }
}

TEST_CASE("STFT then inverse STFT gives the signal back, with either padding", "[style]") {
  for (bool reflect : {true, false}) {
    const int n_fft = 256, hop = 64, frames = 40, len = hop * (frames - 1);
    const auto y = noise(len, 11);
    const Stft stft(n_fft, reflect, 2);
    const auto s = stft.forward(y.data(), len, frames);
    const auto back = stft.inverse(s.data(), frames);
    REQUIRE(back.size() == y.size());
    double err = 0;
    for (size_t i = 0; i < y.size(); ++i) err = std::max(err, double(std::fabs(back[i] - y[i])));
    INFO("reflect " << reflect);
    CHECK(err < 1e-4);
  }
}

TEST_CASE("STFT magnitudes match librosa's on the committed fixture", "[style]") {
  // tests/fixtures/make_librosa_stft_fixture.py wrote it with librosa.stft (center=True, periodic
  // Hann) for both pad modes, on a signal defined by a formula the test repeats.
  std::ifstream in(std::string(DRUMRNN_SOURCE_DIR) + "/tests/fixtures/librosa_stft.json");
  REQUIRE(in);
  const auto j = nlohmann::json::parse(in);
  const int n_fft = j["n_fft"], len = j["length"];
  std::vector<float> y(static_cast<size_t>(len));
  for (int i = 0; i < len; ++i)
    y[size_t(i)] = float(std::sin(0.05 * i) + 0.5 * std::sin(0.31 * i + 1.0) + 0.25 * std::cos(0.0071 * i * i / 10.0));
  for (const char* mode : {"reflect", "constant"}) {
    const Stft stft(n_fft, std::string(mode) == "reflect", 1);
    const auto& want = j[mode];
    const int frames = int(want.size());
    REQUIRE(frames == stft.frames_for(len));
    const auto got = stft.magnitude(y.data(), len, frames);
    double worst = 0;
    for (int t = 0; t < frames; ++t)
      for (int k = 0; k < stft.bins(); ++k) {
        const double w = want[size_t(t)][size_t(k)];
        worst = std::max(worst, std::fabs(got[size_t(t) * stft.bins() + k] - w) / (1.0 + std::fabs(w)));
      }
    INFO(mode);
    CHECK(worst < 1e-4);
  }
}

TEST_CASE("Griffin-Lim: spectral convergence improves with iterations, and fast beats classic", "[style]") {
  const int rate = 22050, n_fft = 512;
  const auto y = tone_clicks(rate, 1.0, 3);
  const Stft stft(n_fft, true, 2);
  const int frames = stft.frames_for(int(y.size()));
  const auto m = stft.magnitude(y.data(), int(y.size()), frames);
  auto sc = [&](int iterations, float momentum) {
    PhaseSettings s;
    s.n_fft = n_fft, s.iterations = iterations, s.momentum = momentum, s.seed = 9;
    const auto out = griffin_lim_cpu(m, frames, s, silent_job());
    CHECK(out.size() == size_t(stft.hop() * (frames - 1)));
    return spectral_convergence(out, m, frames, n_fft, true);
  };
  const double classic_5 = sc(5, 0.0f), classic_60 = sc(60, 0.0f), fast_60 = sc(60, 0.99f);
  INFO("classic 5: " << classic_5 << ", classic 60: " << classic_60 << ", fast 60: " << fast_60);
  CHECK(classic_60 < 0.8 * classic_5);
  CHECK(fast_60 < classic_60);
}

TEST_CASE("style transfer end to end: the Gram moves to the style, the loudness envelope stays the content's", "[style]") {
  StyleSettings s;
  s.n_fft = 512;
  s.seconds = 2;
  s.filters = 64;
  s.iterations = 60;
  s.phase_iterations = 40;
  s.fast_phase = true;
  s.device = "cpu";
  s.alpha = 1e-2f;  // Ulyanov's; at 64 filters the seed's 4 leaves the content dominant
  const auto content = tone_clicks(s.sample_rate, 2.0, 5), style = chord(s.sample_rate, 2.5);
  const auto r = run_style_transfer(s, content, {style}, silent_job());
  REQUIRE(r.device == "cpu");
  CHECK(r.optimisation.loss < 0.2 * r.optimisation.initial_loss);
  CHECK(r.audio.size() == size_t(s.n_fft / 4 * (r.frames - 1)));
  // Distances in the same random network's Gram space, to the style's Gram.
  CpuStyleLoss loss({r.bins, s.filters, s.kernel_width, s.alpha}, random_filters({r.bins, s.filters, s.kernel_width, s.alpha}, s.seed),
                    {r.content_spectrogram.data(), r.frames}, {{r.style_spectrograms[0].data(), r.style_frames[0]}});
  const double content_distance = loss.gram_distance({r.content_spectrogram.data(), r.frames});
  const double result_distance = loss.gram_distance({r.result_spectrogram.data(), r.frames});
  INFO("Gram distance to the style: content " << content_distance << ", result " << result_distance);
  CHECK(result_distance < 0.3 * content_distance);
  // The rhythm survives: the result's frame loudness follows the content's.
  const double r_env = correlation(loudness(content, s.n_fft, r.frames), loudness(r.audio, s.n_fft, r.frames));
  INFO("loudness envelope correlation " << r_env);
  CHECK(r_env > 0.6);
}

TEST_CASE("style transfer: bad settings and clips are refused with the flag or the reason", "[style]") {
  StyleSettings s;
  s.device = "cpu";
  const auto ok = chord(s.sample_rate, 1.0);
  auto refuses = [&](StyleSettings bad, const std::string& needle) {
    INFO(needle);
    CHECK_THROWS_WITH(run_style_transfer(bad, ok, {ok}, silent_job()), Catch::Contains(needle));
  };
  StyleSettings b = s;
  b.n_fft = 1000;
  refuses(b, "--n_fft");
  b = s, b.filters = 0;
  refuses(b, "--filters");
  b = s, b.alpha = NAN;
  refuses(b, "--alpha");
  b = s, b.device = "tpu";
  refuses(b, "--device");
  CHECK_THROWS_WITH(run_style_transfer(s, std::vector<float>(100, 0.5f), {ok}, silent_job()), Catch::Contains("shorter than one FFT frame"));
  CHECK_THROWS_WITH(run_style_transfer(s, std::vector<float>(40000, 0.0f), {ok}, silent_job()), Catch::Contains("silent"));
}
