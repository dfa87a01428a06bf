// Audio files for the style path: whatever libsndfile reads (WAV, FLAC, AIFF, OGG), mixed to mono and
// resampled with libsamplerate; the result written as a mono 32-bit float WAV, atomically.
#pragma once
#include <string>
#include <vector>

namespace drumrnn::style {

struct MonoClip {
  std::vector<float> samples;
  int rate = 0;          // of `samples`
  int source_rate = 0;   // of the file as read
};

// Reads `path`, mixes its channels to mono and resamples to `rate` (0: keep the file's rate), keeping
// at most `max_seconds` (0: all). Throws std::runtime_error naming the file.
MonoClip read_mono(const std::string& path, int rate, double max_seconds = 0);

// Band-limited resampling of a mono signal (SRC_SINC_BEST_QUALITY, librosa's closest match).
std::vector<float> resample(const std::vector<float>& samples, double from, double to);

// A mono 32-bit IEEE-float WAV, written to a temp file beside `path` and renamed. Throws naming it.
void write_mono_wav(const std::string& path, const std::vector<float>& samples, int rate);

}  // namespace drumrnn::style
