#include "realtime/loop_slot.h"

#include <cmath>
#include <stdexcept>

#include <samplerate.h>
#include <sndfile.h>

namespace drumrnn::rt {

std::shared_ptr<LoopBuffer> load_loop(const std::string& path, int sample_rate, double bpm, double beats) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw std::runtime_error(path + ": " + sf_strerror(nullptr));
  if (info.frames <= 0 || info.channels <= 0) {
    sf_close(f);
    throw std::runtime_error(path + ": no audio in the file");
  }
  std::vector<float> interleaved(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t got = sf_readf_float(f, interleaved.data(), info.frames);
  sf_close(f);
  const int ch = info.channels;
  std::vector<float> stereo(static_cast<size_t>(got) * 2);
  for (sf_count_t i = 0; i < got; ++i) {
    const float l = interleaved[size_t(i) * ch];
    const float r = ch > 1 ? interleaved[size_t(i) * ch + 1] : l;
    stereo[size_t(i) * 2] = std::isfinite(l) ? l : 0.0f;
    stereo[size_t(i) * 2 + 1] = std::isfinite(r) ? r : 0.0f;
  }
  std::vector<float> resampled = stereo;
  if (info.samplerate != sample_rate) {
    const double ratio = double(sample_rate) / info.samplerate;
    resampled.assign(static_cast<size_t>(std::ceil(got * ratio)) * 2 + 64, 0.0f);
    SRC_DATA d{};
    d.data_in = stereo.data();
    d.input_frames = got;
    d.data_out = resampled.data();
    d.output_frames = static_cast<long>(resampled.size() / 2);
    d.src_ratio = ratio;
    if (int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 2))
      throw std::runtime_error(path + ": resampling failed: " + src_strerror(err));
    resampled.resize(static_cast<size_t>(d.output_frames_gen) * 2);
  }
  auto loop = std::make_shared<LoopBuffer>();
  loop->name = path;
  const size_t frames = resampled.size() / 2;
  loop->left.resize(frames);
  loop->right.resize(frames);
  for (size_t i = 0; i < frames; ++i) {
    loop->left[i] = resampled[2 * i];
    loop->right[i] = resampled[2 * i + 1];
  }
  if (beats <= 0) {
    const double seconds = double(frames) / sample_rate;
    const double bars = std::max(1.0, std::round(seconds * bpm / 60.0 / 4.0));
    beats = bars * 4.0;
  }
  loop->beats = beats;
  if (frames == 0) throw std::runtime_error(path + ": no audio after resampling");
  return loop;
}

void LoopSlot::mix(float* left, float* right, int frames, double steps_at_start, double steps_per_frame,
                   bool playing) {
  // About 50 ms from one amount to another at 48 kHz.
  constexpr float kRamp = 1.0f / 2400.0f;
  const LoopBuffer* loop = loop_;
  const size_t n = loop ? loop->left.size() : 0;
  const double loop_steps = loop ? loop->beats * 4.0 : 1.0;
  for (int i = 0; i < frames; ++i) {
    if (current_ < armed_) current_ = std::min(armed_, current_ + kRamp);
    else if (current_ > armed_) current_ = std::max(armed_, current_ - kRamp);
    if (current_ <= 0.0f) continue;
    float l = 0, r = 0;
    if (n > 0 && playing) {
      double pos = std::fmod(steps_at_start + i * steps_per_frame, loop_steps);
      if (pos < 0) pos += loop_steps;
      const double x = pos / loop_steps * double(n);
      const size_t i0 = static_cast<size_t>(x) % n, i1 = (i0 + 1) % n;
      const float t = static_cast<float>(x - std::floor(x));
      l = loop->left[i0] + (loop->left[i1] - loop->left[i0]) * t;
      r = loop->right[i0] + (loop->right[i1] - loop->right[i0]) * t;
    }
    left[i] = left[i] * (1.0f - current_) + l * current_;
    right[i] = right[i] * (1.0f - current_) + r * current_;
  }
}

}  // namespace drumrnn::rt
