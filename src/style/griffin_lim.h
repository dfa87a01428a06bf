// Phase reconstruction from a magnitude spectrogram on the CPU (FFTW): the classic Griffin-Lim loop
// (Ulyanov's: returns the inverse STFT computed inside the last iteration) and the fast variant
// (Perraudin et al.'s momentum, as librosa.griffinlim: re-synthesises once after the last update).
// The GPU twin is style/cuda/griffin_lim.cu; both use style_elementwise.h's griffin_lim_update.
#pragma once
#include <cstdint>
#include <vector>

#include "common/job.h"

namespace drumrnn::style {

struct PhaseSettings {
  int n_fft = 2048;          // hop n_fft/4, periodic Hann, centred frames
  int iterations = 500;
  float momentum = 0.0f;     // 0: classic; 0.99: fast Griffin-Lim
  bool reflect_pad = true;   // librosa ≤ 0.8 'reflect'; false: zeros (librosa ≥ 0.9)
  uint64_t seed = 0;         // the initial phase, uniform in [−π, π)
  int threads = 0;           // 0: one per core
};

// magnitude: T × (n_fft/2 + 1), frame-major. Returns hop·(T − 1) samples. Progress stage "phase".
std::vector<float> griffin_lim_cpu(const std::vector<float>& magnitude, int frames, const PhaseSettings& settings,
                                   JobObserver& job);

// ‖|STFT(y)| − M‖_F / ‖M‖_F: how well a signal's magnitudes match the target (lower is better).
double spectral_convergence(const std::vector<float>& signal, const std::vector<float>& magnitude, int frames,
                            int n_fft, bool reflect_pad);

}  // namespace drumrnn::style
