#include "ml/sampling.h"

#include "ml/activations.h"

namespace drumrnn {

__attribute__((target_clones("avx2", "default"))) void softmax_with_temperature(const float* logits, int n,
                                                                                  float temperature, float* probs) {
  const float inv_t = 1.0f / temperature;
  float zmax = logits[0] * inv_t;
  for (int i = 1; i < n; ++i) zmax = logits[i] * inv_t > zmax ? logits[i] * inv_t : zmax;
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    probs[i] = fast_exp_nonpositive(logits[i] * inv_t - zmax);
    sum += probs[i];
  }
  const float inv_sum = 1.0f / sum;
  for (int i = 0; i < n; ++i) probs[i] *= inv_sum;
}

int sample_index(const float* probs, int n, double u) {
  double acc = 0.0;
  for (int i = 0; i < n; ++i) {
    acc += probs[i];
    if (u < acc) return i;
  }
  // Rounding left u above the last partial sum: take the last class with non-zero probability.
  for (int i = n - 1; i > 0; --i)
    if (probs[i] > 0.0f) return i;
  return 0;
}

}  // namespace drumrnn
