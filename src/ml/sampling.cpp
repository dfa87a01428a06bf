#include "ml/sampling.h"

#include <limits>

#include "ml/activations.h"
#include "ml/simd_dispatch.h"

namespace drumrnn {

DRUMRNN_CLONES_AVX2 void softmax_with_temperature(const float* logits, int n, float temperature, float* probs) {
  const float inv_t = 1.0f / temperature;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  // The max over the non-NaN logits: a NaN compares false, so it never wins.
  float zmax = -kInf;
  for (int i = 0; i < n; ++i) zmax = logits[i] * inv_t > zmax ? logits[i] * inv_t : zmax;
  if (zmax == kInf) {
    // +Inf logits (or ones that overflowed under a low temperature) share all the mass.
    int count = 0;
    for (int i = 0; i < n; ++i) count += logits[i] * inv_t == kInf;
    for (int i = 0; i < n; ++i) probs[i] = logits[i] * inv_t == kInf ? 1.0f / float(count) : 0.0f;
    return;
  }
  if (zmax == -kInf) {
    // Every logit NaN or -Inf: the model says nothing usable; class 0 (silence) rather than noise.
    for (int i = 0; i < n; ++i) probs[i] = 0.0f;
    if (n > 0) probs[0] = 1.0f;
    return;
  }
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float e = fast_exp_nonpositive(logits[i] * inv_t - zmax);
    probs[i] = e == e ? e : 0.0f;  // a NaN logit gets no probability
    sum += probs[i];
  }
  const float inv_sum = 1.0f / sum;  // sum >= 1: the max's own term is e^0
  for (int i = 0; i < n; ++i) probs[i] *= inv_sum;
}

int sample_index(const float* probs, int n, double u) {
  // Draw against the probabilities' actual sum, not 1: a float softmax sums to 1 only within
  // rounding, and a draw above the last partial sum would otherwise land on the last class
  // (drum_kit's 511: every drum at once).
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += probs[i];
  if (!(sum > 0.0)) return 0;  // nothing to draw from (or NaN): silence
  const double target = u * sum;
  double acc = 0.0;
  int top = 0;  // the last class that moved the running sum: the top of the distribution
  for (int i = 0; i < n; ++i) {
    const double next = acc + probs[i];
    if (target < next) return i;
    if (next > acc) top = i;
    acc = next;
  }
  // Only when u * sum rounded up to sum (u within an ulp of 1). Not simply the last class with
  // non-zero probability: the fast exponential leaves ~1e-38 on every class, 511 included.
  return top;
}

}  // namespace drumrnn
