#include "realtime/loop_capture.h"

#include <cmath>
#include <stdexcept>

#include <samplerate.h>

#include "music/drum_encoding.h"

namespace drumrnn::rt {

CapturedBars capture_bars(const GenerationService& generation, int64_t next_step, int bars) {
  if (bars < 1) throw std::invalid_argument("style loop: the number of bars must be at least 1");
  if (int64_t(bars) * kStepsPerBar > StepRing::kSize - 2 * kStepsPerBar)
    throw std::invalid_argument("style loop: at most " + std::to_string(StepRing::kSize / kStepsPerBar - 2) +
                                " bars can be captured");
  const int64_t end = next_step / kStepsPerBar * kStepsPerBar;
  CapturedBars out;
  out.first_step = end - int64_t(bars) * kStepsPerBar;
  if (out.first_step < 0)
    throw std::invalid_argument("style loop: only " + std::to_string(end / kStepsPerBar) + " whole bars have played, " +
                                std::to_string(bars) + " needed");
  out.classes.resize(size_t(bars) * kStepsPerBar, 0);
  for (int i = 0; i < int(out.classes.size()); ++i) {
    PlayedStep s;
    if (generation.ring().read(out.first_step + i, s)) out.classes[size_t(i)] = s.drum_class;
  }
  return out;
}

RenderedAudio render_steps(const std::vector<int>& classes, std::shared_ptr<const DrumRnn> model,
                           std::shared_ptr<const Kit> kit, const EngineConfig& config) {
  if (classes.empty()) throw std::invalid_argument("style loop: no steps to render");
  const DrumConfig& encoding = *model->shape().config;
  GenerationOptions options;
  options.mode = GenerationMode::loop;
  options.mode_bars = std::max<int>(1, int(classes.size() / kStepsPerBar));
  options.primer.clear();
  for (int c : classes) options.primer.push_back(decode_drum_class(encoding, c));
  GenerationService generation(std::move(model), options);
  Engine engine(config, std::move(kit), generation);
  const double frames_per_step = config.sample_rate * 60.0 / (config.bpm * 4.0);
  return render_offline(engine, std::llround(double(classes.size()) * frames_per_step));
}

std::shared_ptr<LoopBuffer> tempo_locked_loop(const std::vector<float>& mono, double rate, int bars, double bpm,
                                              double sample_rate, std::string name) {
  if (mono.empty()) throw std::invalid_argument("style loop: the styled audio is empty");
  if (bars < 1 || bpm <= 0 || rate <= 0 || sample_rate <= 0) throw std::invalid_argument("style loop: bad loop shape");
  const auto target = static_cast<size_t>(std::llround(bars * 4.0 * 60.0 / bpm * sample_rate));
  std::vector<float> resampled;
  if (rate == sample_rate) {
    resampled = mono;
  } else {
    const double ratio = sample_rate / rate;
    resampled.assign(static_cast<size_t>(std::ceil(double(mono.size()) * ratio)) + 64, 0.0f);
    SRC_DATA d{};
    d.data_in = mono.data();
    d.input_frames = static_cast<long>(mono.size());
    d.data_out = resampled.data();
    d.output_frames = static_cast<long>(resampled.size());
    d.src_ratio = ratio;
    if (int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1))
      throw std::runtime_error(std::string("style loop: resampling failed: ") + src_strerror(err));
    resampled.resize(static_cast<size_t>(d.output_frames_gen));
  }
  resampled.resize(target, 0.0f);
  const size_t fade = std::min(target, static_cast<size_t>(sample_rate * 0.005));
  for (size_t i = 0; i < fade; ++i) resampled[target - 1 - i] *= float(i) / float(fade);
  auto loop = std::make_shared<LoopBuffer>();
  loop->name = std::move(name);
  loop->left = resampled;
  loop->right = std::move(resampled);
  loop->beats = bars * 4.0;
  return loop;
}

}  // namespace drumrnn::rt
