// drumrnn style: Ulyanov's audio style transfer, the content's rhythm in the style's timbre.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "app/commands.h"
#include "app/terminal_progress.h"
#include "style/audio_file.h"
#include "style/spectrogram_png.h"
#include "style/style_transfer.h"

namespace drumrnn {
namespace {

struct StyleOptions {
  std::string content, output, spectrograms, phase = "classic", pad = "reflect";
  std::vector<std::string> styles;
  style::StyleSettings settings;
  bool no_normalise = false;
};

// Reads one clip at the style rate and checks it is long enough and not silent: one line naming it.
std::vector<float> read_clip(const std::string& path, const style::StyleSettings& s) {
  auto clip = style::read_mono(path, s.sample_rate, s.seconds);
  const int hop = s.n_fft / 4;
  if (clip.samples.size() < size_t(s.n_fft))
    throw std::runtime_error(path + ": " + std::to_string(clip.samples.size()) + " samples at " +
                             std::to_string(s.sample_rate) + " Hz, shorter than one FFT frame (" + std::to_string(s.n_fft) + ")");
  if (1 + int(clip.samples.size()) / hop < s.kernel_width)
    throw std::runtime_error(path + ": shorter than the kernel width (" + std::to_string(s.kernel_width) + " frames of " +
                             std::to_string(hop) + " samples)");
  float peak = 0;
  for (float v : clip.samples) peak = std::max(peak, std::fabs(v));
  if (peak < 1e-6f) throw std::runtime_error(path + ": silent");
  return std::move(clip.samples);
}

void check_output_folder(const std::string& path, const char* flag) {
  const auto parent = std::filesystem::absolute(path).parent_path();
  if (!std::filesystem::is_directory(parent))
    throw std::runtime_error(std::string(flag) + " " + path + ": the folder " + parent.string() + " does not exist");
}

int run_style(StyleOptions& o) {
  auto& s = o.settings;
  s.fast_phase = o.phase == "fast";
  s.reflect_pad = o.pad == "reflect";
  s.peak_normalise = !o.no_normalise;
  style::validate(s);
  check_output_folder(o.output, "--output");
  if (!o.spectrograms.empty()) std::filesystem::create_directories(o.spectrograms);
  const auto content_info = style::read_mono(o.content, 0, 0.001);  // the content's own rate, for the output
  const auto content = read_clip(o.content, s);
  std::vector<std::vector<float>> styles;
  for (const auto& path : o.styles) styles.push_back(read_clip(path, s));

  TerminalProgress progress;
  CancelOnInterrupt interrupt(progress);
  const auto r = style::run_style_transfer(s, content, styles, progress);
  progress.finish();
  if (r.optimisation.stop == "cancelled" || progress.cancelled()) {
    std::fprintf(stderr, "drumrnn style: cancelled; nothing written\n");
    return 130;
  }
  if (r.optimisation.stop == "the loss is not a finite number")
    throw std::runtime_error("the loss became NaN or infinite (try a smaller --alpha); nothing written");
  const auto audio = style::resample(r.audio, s.sample_rate, content_info.source_rate);
  style::write_mono_wav(o.output, audio, content_info.source_rate);
  if (!o.spectrograms.empty()) {
    float top = style::spectrogram_scale(r.content_spectrogram);
    for (const auto& x : r.style_spectrograms) top = std::max(top, style::spectrogram_scale(x));
    const std::filesystem::path dir(o.spectrograms);
    style::write_spectrogram_png((dir / "content.png").string(), r.content_spectrogram, r.frames, r.bins, top);
    for (size_t i = 0; i < r.style_spectrograms.size(); ++i)
      style::write_spectrogram_png((dir / (i == 0 ? std::string("style.png") : "style-" + std::to_string(i + 1) + ".png")).string(),
                                   r.style_spectrograms[i], r.style_frames[i], r.bins, top);
    std::vector<float> result(r.result_spectrogram.size());
    for (size_t i = 0; i < result.size(); ++i) result[i] = std::max(0.0f, r.result_spectrogram[i]);
    style::write_spectrogram_png((dir / "result.png").string(), result, r.frames, r.bins, top);
  }
  std::printf("styled %s with %zu style clip%s on the %s: loss %.4g -> %.4g in %d L-BFGS iterations (%d evaluations, %s), "
              "%.1f s; Griffin-Lim (%s, %d iterations) %.1f s; wrote %s (%.2f s at %d Hz)%s%s\n",
              o.content.c_str(), styles.size(), styles.size() == 1 ? "" : "s", r.device == "cuda" ? "GPU" : "CPU",
              r.optimisation.initial_loss, r.optimisation.loss, r.optimisation.iterations, r.optimisation.evaluations,
              r.optimisation.stop.c_str(), r.loss_seconds, o.phase.c_str(), s.phase_iterations, r.phase_seconds,
              o.output.c_str(), double(audio.size()) / content_info.source_rate, content_info.source_rate,
              o.spectrograms.empty() ? "" : " and spectrograms in ", o.spectrograms.c_str());
  return 0;
}

}  // namespace

Command add_style_command(CLI::App& app) {
  auto o = std::make_shared<StyleOptions>();
  auto& s = o->settings;
  CLI::App* cmd = app.add_subcommand("style", "Audio style transfer: the content's rhythm in the style's timbre (Ulyanov)");
  cmd->add_option("--content", o->content, "Content audio (WAV, FLAC, AIFF, OGG)")->required();
  cmd->add_option("--style", o->styles, "Style audio; repeat for several (their Gram matrices are averaged)")->required();
  cmd->add_option("--output", o->output, "Output WAV (32-bit float, mono, at the content's rate)")->required();
  cmd->add_option("--seconds", s.seconds, "Use at most this many seconds of each clip")->capture_default_str();
  cmd->add_option("--n_fft", s.n_fft, "FFT size (hop n_fft/4)")->capture_default_str();
  cmd->add_option("--filters", s.filters, "Random convolution filters")->capture_default_str();
  cmd->add_option("--kernel_width", s.kernel_width, "Filter width in frames")->capture_default_str();
  cmd->add_option("--alpha", s.alpha, "Content weight (larger keeps more of the content)")->capture_default_str();
  cmd->add_option("--iterations", s.iterations, "L-BFGS iterations")->capture_default_str();
  cmd->add_option("--griffin_lim_iters", s.phase_iterations, "Griffin-Lim iterations")->capture_default_str();
  cmd->add_option("--griffin_lim", o->phase, "classic (the reference's loop) or fast (momentum 0.99)")->capture_default_str()
      ->check(CLI::IsMember({"classic", "fast"}));
  cmd->add_option("--pad", o->pad, "STFT edge padding: reflect (librosa <= 0.8) or zeros (librosa >= 0.9)")->capture_default_str()
      ->check(CLI::IsMember({"reflect", "zeros"}));
  cmd->add_option("--device", s.device, "auto (the GPU when there is one), cpu or cuda")->capture_default_str();
  cmd->add_option("--seed", s.seed, "Seed of the random network, the start point and the initial phase")->capture_default_str();
  cmd->add_option("--threads", s.threads, "CPU threads (0: one per core)")->capture_default_str();
  cmd->add_option("--sample_rate", s.sample_rate, "Rate the transfer runs at (the output is resampled to the content's)")->capture_default_str();
  cmd->add_option("--spectrograms", o->spectrograms, "Also write content, style and result spectrograms as PNG here");
  cmd->add_flag("--no_normalise", o->no_normalise, "Leave the result's level as it comes (default: peak at 1.0)");
  return {cmd, [o] { return run_style(*o); }};
}

}  // namespace drumrnn
