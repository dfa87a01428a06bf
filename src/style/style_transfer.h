// The whole audio style transfer (Ulyanov's "neural style audio"), the one entry point the `style`
// command and the live "Style this loop" job call: log-magnitude STFT of the content and each style
// clip, one random 1-D convolution + ReLU, L-BFGS on α·content + Gram style loss over the content's
// log-spectrogram, then Griffin-Lim. On the CPU (FFTW, BLAS, liblbfgs) or the GPU (cuDNN, cuBLAS,
// cuFFT, in builds with CUDA); the same seed gives the same network and start on both.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/job.h"
#include "style/minimise.h"

namespace drumrnn::style {

struct StyleSettings {
  int sample_rate = 22050;   // the clips' rate (the caller resamples)
  int n_fft = 2048;          // hop n_fft/4
  double seconds = 10;       // at most this much of each clip: T = ⌊seconds·rate/hop⌋ frames at most
  int filters = 4096;
  int kernel_width = 11;
  float alpha = 4.0f;        // content weight (the seed's; Ulyanov's notebook used 1e-2)
  int iterations = 300;      // L-BFGS
  int phase_iterations = 500;
  bool fast_phase = false;   // false: classic Griffin-Lim (the seed's); true: momentum 0.99
  bool reflect_pad = true;   // librosa ≤ 0.8
  std::string device = "auto";  // auto | cpu | cuda
  uint64_t seed = 1;
  int threads = 0;           // CPU threads (BLAS and FFT); 0: one per core
  bool peak_normalise = true;  // scale the result's peak to 1.0, as the reference's output is
};

// An unusable setting: the message names the flag.
struct StyleSettingsError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
void validate(const StyleSettings& settings);

struct StyleResult {
  std::vector<float> audio;  // at settings.sample_rate, hop·(T − 1) samples
  std::string device;        // "cpu" or "cuda"
  int frames = 0, bins = 0;
  std::vector<float> content_spectrogram, result_spectrogram;  // T × bins, ln(1 + |STFT|)
  std::vector<std::vector<float>> style_spectrograms;          // each Ts × bins
  std::vector<int> style_frames;
  MinimiseResult optimisation;
  double loss_seconds = 0, phase_seconds = 0;  // time in L-BFGS, in Griffin-Lim
};

// "cpu" or "cuda" for settings.device; `note` says why auto chose the CPU. Throws std::runtime_error
// when cuda was asked for and cannot run.
std::string resolve_device(const std::string& device, std::string& note);

// Throws StyleSettingsError or std::invalid_argument (a clip too short, silent content) with the reason.
// Returns early (with what it has) when job.cancelled(); optimisation.stop is then "cancelled".
StyleResult run_style_transfer(const StyleSettings& settings, const std::vector<float>& content,
                               const std::vector<std::vector<float>>& styles, JobObserver& job);

}  // namespace drumrnn::style
