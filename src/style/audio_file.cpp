#include "style/audio_file.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <samplerate.h>
#include <sndfile.h>
#include <unistd.h>

namespace drumrnn::style {

MonoClip read_mono(const std::string& path, int rate, double max_seconds) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw std::runtime_error(path + ": cannot read as audio (" + sf_strerror(nullptr) + ")");
  if (info.channels < 1 || info.samplerate < 1 || info.frames < 0) {
    sf_close(f);
    throw std::runtime_error(path + ": no audio channels");
  }
  sf_count_t frames = info.frames;
  if (max_seconds > 0) frames = std::min<sf_count_t>(frames, sf_count_t(std::ceil(max_seconds * info.samplerate)));
  std::vector<float> interleaved(size_t(frames) * size_t(info.channels));
  const sf_count_t got = sf_readf_float(f, interleaved.data(), frames);
  const int err = sf_error(f);
  sf_close(f);
  if (err != SF_ERR_NO_ERROR && got < frames) throw std::runtime_error(path + ": truncated or corrupt audio");
  MonoClip clip;
  clip.source_rate = info.samplerate;
  clip.samples.resize(size_t(got));
  const float scale = 1.0f / float(info.channels);
  for (sf_count_t i = 0; i < got; ++i) {
    float sum = 0;
    for (int c = 0; c < info.channels; ++c) sum += interleaved[size_t(i) * info.channels + c];
    clip.samples[size_t(i)] = sum * scale;
  }
  for (float v : clip.samples)
    if (!std::isfinite(v)) throw std::runtime_error(path + ": holds samples that are not finite numbers");
  clip.rate = info.samplerate;
  if (rate > 0 && rate != info.samplerate) {
    clip.samples = resample(clip.samples, info.samplerate, rate);
    clip.rate = rate;
  }
  return clip;
}

std::vector<float> resample(const std::vector<float>& samples, double from, double to) {
  if (from == to || samples.empty()) return samples;
  const double ratio = to / from;
  std::vector<float> out(size_t(std::ceil(double(samples.size()) * ratio)) + 16);
  SRC_DATA d{};
  d.data_in = samples.data();
  d.input_frames = long(samples.size());
  d.data_out = out.data();
  d.output_frames = long(out.size());
  d.src_ratio = ratio;
  if (int err = src_simple(&d, SRC_SINC_BEST_QUALITY, 1))
    throw std::runtime_error(std::string("resampling failed: ") + src_strerror(err));
  out.resize(size_t(d.output_frames_gen));
  return out;
}

void write_mono_wav(const std::string& path, const std::vector<float>& samples, int rate) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(temp.c_str(), SFM_WRITE, &info);
  if (!f) throw std::runtime_error(path + ": cannot write (" + sf_strerror(nullptr) + ")");
  const sf_count_t written = sf_writef_float(f, samples.data(), sf_count_t(samples.size()));
  sf_write_sync(f);
  sf_close(f);
  if (written != sf_count_t(samples.size()) || std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw std::runtime_error(path + ": could not write the whole file");
  }
}

}  // namespace drumrnn::style
