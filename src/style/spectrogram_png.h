// A log-magnitude spectrogram as a PNG picture (time left to right, low frequencies at the bottom,
// a perceptual dark-to-bright colour map), for `drumrnn style --spectrograms DIR`: people would rather
// look than read. Written atomically.
#pragma once
#include <string>
#include <vector>

namespace drumrnn::style {

// spectrogram: frames × bins, frame-major; values ≥ 0 (ln(1 + |STFT|)), mapped from 0 to `top`
// (0: spectrogram_scale of its own values). Rows follow a log-frequency axis (at most 384 of them).
// Throws std::runtime_error naming the file.
// The 99.5th percentile of the values: a colour scale that one loud bin cannot darken.
float spectrogram_scale(const std::vector<float>& spectrogram);

void write_spectrogram_png(const std::string& path, const std::vector<float>& spectrogram, int frames, int bins,
                           float top = 0);

}  // namespace drumrnn::style
