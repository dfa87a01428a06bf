// librosa's STFT and inverse STFT on FFTW (single precision): periodic Hann window of n_fft, hop
// n_fft/4, centred frames (the signal padded by n_fft/2 each side, 'reflect' or zeros), frames =
// 1 + ⌊len/hop⌋; the inverse overlap-adds the windowed frames, divides by the window's sum-square
// envelope and trims n_fft/2 each end, giving hop·(T − 1) samples. Spectra are T × (n_fft/2 + 1),
// frame-major, the layout of the GPU twin (style/cuda/gpu_style.h).
#pragma once
#include <complex>
#include <memory>
#include <vector>

namespace drumrnn::style {

using Spectrum = std::vector<std::complex<float>>;  // T × bins, frame-major

class Stft {
 public:
  // threads: how many threads share a transform's frames (0: one per core).
  Stft(int n_fft, bool reflect_pad = true, int threads = 0);
  ~Stft();
  Stft(const Stft&) = delete;
  Stft& operator=(const Stft&) = delete;

  int n_fft() const { return n_fft_; }
  int hop() const { return n_fft_ / 4; }
  int bins() const { return n_fft_ / 2 + 1; }
  int frames_for(int length) const { return 1 + length / hop(); }

  // The first `frames` (≤ frames_for(length)) frames of the STFT of y.
  Spectrum forward(const float* y, int length, int frames) const;
  // hop·(frames − 1) samples.
  std::vector<float> inverse(const std::complex<float>* spectrum, int frames) const;

  // |STFT| and ln(1 + |STFT|), T × bins.
  std::vector<float> magnitude(const float* y, int length, int frames) const;
  std::vector<float> log_magnitude(const float* y, int length, int frames) const;

  struct Plans;

 private:
  int n_fft_;
  bool reflect_;
  int threads_;
  std::vector<float> window_;
  std::unique_ptr<Plans> plans_;
};

}  // namespace drumrnn::style
