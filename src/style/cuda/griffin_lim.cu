// Griffin-Lim on cuFFT: batched R2C/C2R plans over all frames at once, our kernels for framing with
// the periodic Hann (reflect or zero padding, centred), the overlap-add inverse (a gather, so no
// atomics) and the phase update. The per-element bodies are style/style_elementwise.h's.
#include <cufft.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "style/cuda/device_buffer.cuh"
#include "style/cuda/gpu_style.h"
#include "style/style_elementwise.h"

namespace drumrnn::style::gpu {
namespace {

static_assert(sizeof(Complex) == sizeof(cufftComplex), "Complex and cufftComplex must share a layout");

// frames[t][m] = w[m] · padded(y)[t·hop + m]
__global__ void frame_signal(const float* y, int len, int n_frames, int n_fft, int hop, bool reflect, float* frames) {
  const size_t total = size_t(n_frames) * n_fft;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += size_t(gridDim.x) * blockDim.x) {
    const int t = int(i / n_fft), m = int(i % n_fft);
    frames[i] = hann_periodic(m, n_fft) * padded_sample(y, len, t * hop + m, n_fft / 2, reflect);
  }
}

// y[n] from the unnormalised C2R frames (÷ n_fft here).
__global__ void overlap_add(const float* frames, int n_frames, int n_fft, int hop, int len, float* y) {
  const float scale = 1.0f / float(n_fft);
  for (size_t n = blockIdx.x * size_t(blockDim.x) + threadIdx.x; n < size_t(len); n += size_t(gridDim.x) * blockDim.x)
    y[n] = scale * istft_sample(frames, n_frames, n_fft, hop, int(n));
}

__global__ void phase_update(size_t n, const Complex* rebuilt, Complex* prev, const float* magnitude, float momentum,
                             Complex* spectrum) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    spectrum[i] = griffin_lim_update(rebuilt[i], prev[i], magnitude[i], momentum);
}

__global__ void magnitudes(size_t n, const Complex* s, float* out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    out[i] = sqrtf(s[i].re * s[i].re + s[i].im * s[i].im);
}

class FftPlans {
 public:
  FftPlans(int n_fft, int frames) {
    int n = n_fft;
    const int bins = n_fft / 2 + 1;
    STYLE_CUFFT_CHECK(cufftPlanMany(&forward, 1, &n, nullptr, 1, n_fft, nullptr, 1, bins, CUFFT_R2C, frames));
    STYLE_CUFFT_CHECK(cufftPlanMany(&inverse, 1, &n, nullptr, 1, bins, nullptr, 1, n_fft, CUFFT_C2R, frames));
  }
  ~FftPlans() {
    cufftDestroy(forward);
    cufftDestroy(inverse);
  }
  cufftHandle forward = 0, inverse = 0;
};

void check_fft_size(int n_fft) {
  if (n_fft < 16 || n_fft % 4 != 0) throw std::invalid_argument("GPU STFT: n_fft must be a multiple of 4, at least 16");
}

}  // namespace

std::vector<float> griffin_lim(const float* magnitude, int frames, const GriffinLimSettings& s, JobObserver& job) {
  check_fft_size(s.n_fft);
  if (frames < 2) throw std::invalid_argument("Griffin-Lim: needs at least 2 frames");
  if (s.iterations < 1) throw std::invalid_argument("Griffin-Lim: needs at least 1 iteration");
  if (s.momentum < 0) throw std::invalid_argument("Griffin-Lim: momentum must not be negative");
  const int n_fft = s.n_fft, hop = n_fft / 4, bins = n_fft / 2 + 1;
  const int len = hop * (frames - 1);
  const size_t n_spec = size_t(frames) * bins;

  // Initial phase uniform in [−π, π): the spectrum is |S|·e^{jφ}.
  std::vector<Complex> start(n_spec);
  std::mt19937_64 rng(s.seed);
  std::uniform_real_distribution<double> phase(-M_PI, M_PI);
  for (size_t i = 0; i < n_spec; ++i) {
    const double p = phase(rng);
    start[i] = {float(magnitude[i] * std::cos(p)), float(magnitude[i] * std::sin(p))};
  }
  DeviceBuffer<float> mag, frame_buf{size_t(frames) * n_fft}, y{size_t(len)};
  mag.upload(magnitude, n_spec);
  DeviceBuffer<Complex> spectrum, rebuilt(n_spec), prev(n_spec);
  spectrum.upload(start.data(), n_spec);
  STYLE_CUDA_CHECK(cudaMemset(prev.get(), 0, n_spec * sizeof(Complex)));
  FftPlans plans(n_fft, frames);

  auto synthesise = [&] {
    STYLE_CUFFT_CHECK(cufftExecC2R(plans.inverse, reinterpret_cast<cufftComplex*>(spectrum.get()), frame_buf.get()));
    overlap_add<<<blocks_for(size_t(len)), kThreads>>>(frame_buf.get(), frames, n_fft, hop, len, y.get());
    STYLE_KERNEL_CHECK();
  };
  for (int it = 0; it < s.iterations; ++it) {
    synthesise();
    frame_signal<<<blocks_for(size_t(frames) * n_fft), kThreads>>>(y.get(), len, frames, n_fft, hop, s.reflect_pad,
                                                                    frame_buf.get());
    STYLE_KERNEL_CHECK();
    STYLE_CUFFT_CHECK(cufftExecR2C(plans.forward, frame_buf.get(), reinterpret_cast<cufftComplex*>(rebuilt.get())));
    phase_update<<<blocks_for(n_spec), kThreads>>>(n_spec, rebuilt.get(), prev.get(), mag.get(), s.momentum,
                                                   spectrum.get());
    STYLE_KERNEL_CHECK();
    if ((it + 1) % 50 == 0 || it + 1 == s.iterations) {
      JobProgress p;
      p.stage = "griffin-lim";
      p.done = it + 1;
      p.total = s.iterations;
      job.on_progress(p);
      if (job.cancelled()) break;
    }
  }
  // Classic keeps the signal made inside the last iteration (Ulyanov's loop); fast re-synthesises.
  if (s.momentum > 0) synthesise();
  std::vector<float> out(static_cast<size_t>(len));
  y.download(out.data(), out.size());
  return out;
}

std::vector<float> stft_magnitude(const float* signal, int length, int n_fft, bool reflect_pad) {
  check_fft_size(n_fft);
  if (length < 1) throw std::invalid_argument("GPU STFT: empty signal");
  const int hop = n_fft / 4, bins = n_fft / 2 + 1, frames = 1 + length / hop;
  DeviceBuffer<float> y, frame_buf(size_t(frames) * n_fft), mag(size_t(frames) * bins);
  y.upload(signal, size_t(length));
  DeviceBuffer<Complex> spec(size_t(frames) * bins);
  FftPlans plans(n_fft, frames);
  frame_signal<<<blocks_for(size_t(frames) * n_fft), kThreads>>>(y.get(), length, frames, n_fft, hop, reflect_pad,
                                                                  frame_buf.get());
  STYLE_KERNEL_CHECK();
  STYLE_CUFFT_CHECK(cufftExecR2C(plans.forward, frame_buf.get(), reinterpret_cast<cufftComplex*>(spec.get())));
  magnitudes<<<blocks_for(mag.size()), kThreads>>>(mag.size(), spec.get(), mag.get());
  STYLE_KERNEL_CHECK();
  std::vector<float> out(mag.size());
  mag.download(out.data(), out.size());
  return out;
}

}  // namespace drumrnn::style::gpu
