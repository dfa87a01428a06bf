// `drumrnn style` as a user runs it: a small transfer end to end (the WAV at the content's rate, the
// spectrogram pictures), and bad input as one line, a non-zero exit and no output file.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include <sndfile.h>

#include "style/audio_file.h"
#include "test_support.h"

using namespace drumrnn;
namespace fs = std::filesystem;

namespace {

std::vector<float> beats(int rate, double seconds) {
  std::vector<float> y(size_t(rate * seconds));
  for (size_t i = 0; i < y.size(); ++i) {
    const double t = double(i) / rate, b = std::fmod(t, 0.5);
    y[i] = float(0.8 * std::exp(-b * 30) * std::sin(2 * M_PI * 70 * b) + 0.1 * std::sin(2 * M_PI * 3000 * t) * std::exp(-b * 60));
  }
  return y;
}

std::vector<float> chord(int rate, double seconds) {
  std::vector<float> y(size_t(rate * seconds));
  for (size_t i = 0; i < y.size(); ++i) y[i] = float(0.3 * (std::sin(2 * M_PI * 440 * i / rate) + std::sin(2 * M_PI * 659 * i / rate)));
  return y;
}

const std::vector<std::string> kSmall = {"--seconds", "2", "--n_fft", "512", "--filters", "32", "--iterations", "10",
                                         "--griffin_lim_iters", "10", "--device", "cpu"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("drumrnn style: a small transfer writes the WAV at the content's rate and three spectrograms", "[style][cli]") {
  test::TempDir dir;
  style::write_mono_wav(dir.str("dry.wav"), beats(44100, 2.5), 44100);
  style::write_mono_wav(dir.str("fx.wav"), chord(32000, 3.0), 32000);
  style::write_mono_wav(dir.str("fx2.wav"), chord(22050, 1.5), 22050);
  const auto r = test::run_drumrnn(with({"style", "--content", dir.str("dry.wav"), "--style", dir.str("fx.wav"), "--style",
                                         dir.str("fx2.wav"), "--output", dir.str("out.wav"), "--spectrograms", dir.str("specs")},
                                        kSmall));
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("2 style clips on the CPU"));
  SF_INFO info{};
  SNDFILE* f = sf_open(dir.str("out.wav").c_str(), SFM_READ, &info);
  REQUIRE(f);
  sf_close(f);
  CHECK(info.samplerate == 44100);
  CHECK(info.channels == 1);
  CHECK(std::fabs(double(info.frames) / 44100 - 2.0) < 0.05);  // hop·(T − 1) of 2 s
  for (const char* png : {"content.png", "style.png", "style-2.png", "result.png"}) CHECK(fs::file_size(dir.path() / "specs" / png) > 100);
}

TEST_CASE("drumrnn style: a missing, unreadable, silent or too short clip, or an absurd flag, is one line and no output",
          "[style][cli]") {
  test::TempDir dir;
  style::write_mono_wav(dir.str("dry.wav"), beats(22050, 2.0), 22050);
  style::write_mono_wav(dir.str("quiet.wav"), std::vector<float>(44100, 0.0f), 22050);
  style::write_mono_wav(dir.str("click.wav"), std::vector<float>(300, 0.5f), 22050);
  const std::string out = dir.str("out.wav");
  auto run = [&](const std::string& content, const std::string& style, std::vector<std::string> extra = {}) {
    return test::run_drumrnn(with(with({"style", "--content", content, "--style", style, "--output", out}, kSmall), extra));
  };
  test::check_one_line_error(run(dir.str("none.wav"), dir.str("dry.wav")), "none.wav");
  test::check_one_line_error(run(dir.str("dry.wav"), DRUMRNN_SOURCE_DIR "/README.md"), "README.md");
  test::check_one_line_error(run(dir.str("quiet.wav"), dir.str("dry.wav")), "quiet.wav: silent");
  test::check_one_line_error(run(dir.str("dry.wav"), dir.str("click.wav")), "click.wav");
  test::check_one_line_error(run(dir.str("dry.wav"), dir.str("dry.wav"), {"--filters", "0"}), "--filters");
  test::check_one_line_error(run(dir.str("dry.wav"), dir.str("dry.wav"), {"--n_fft", "1000"}), "--n_fft");
  test::check_one_line_error(run(dir.str("dry.wav"), dir.str("dry.wav"), {"--griffin_lim", "slow"}), "--griffin_lim");
  test::check_one_line_error(
      test::run_drumrnn(with({"style", "--content", dir.str("dry.wav"), "--style", dir.str("dry.wav"), "--output", "/no/such/dir/out.wav"}, kSmall)),
      "/no/such/dir");
  CHECK_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir.path())) CHECK(e.path().string().find(".tmp.") == std::string::npos);
}
