// L-BFGS over the spectrogram with liblbfgs (Debian's liblbfgs 1.10, double precision), at the style
// path's settings: history 10, 300 iterations, Moré–Thuente line search with at most 20 steps. The
// GPU twin (style/cuda/lbfgs.cu) runs the same algorithm with its vectors on the device.
#pragma once
#include <string>

#include "common/job.h"
#include "style/style_loss.h"

namespace drumrnn::style {

struct MinimiseSettings {
  int memory = 10;
  int max_iterations = 300;
  int max_linesearch = 20;
  double epsilon = 1e-5;  // stop when ‖g‖ / max(1, ‖x‖) falls below
};

struct MinimiseResult {
  double loss = 0, initial_loss = 0;
  int iterations = 0, evaluations = 0;
  std::string stop;  // "iterations", "converged", "cancelled", or liblbfgs's reason
};

// Minimises loss over x (T × C, in and out). Progress: stage "style", one report per iteration.
MinimiseResult minimise_cpu(CpuStyleLoss& loss, float* x, const MinimiseSettings& settings, JobObserver& job);

}  // namespace drumrnn::style
