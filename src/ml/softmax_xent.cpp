#include "ml/softmax_xent.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ml/activations.h"
#include "ml/simd_dispatch.h"

namespace drumrnn {

void XentTotals::add(const XentTotals& o) {
  loss_sum += o.loss_sum;
  steps += o.steps;
  correct += o.correct;
  event_steps += o.event_steps;
  event_correct += o.event_correct;
  no_event_steps += o.no_event_steps;
  no_event_correct += o.no_event_correct;
  if (class_steps.size() < o.class_steps.size()) {
    class_steps.resize(o.class_steps.size());
    class_correct.resize(o.class_steps.size());
  }
  for (size_t c = 0; c < o.class_steps.size(); ++c) {
    class_steps[c] += o.class_steps[c];
    class_correct[c] += o.class_correct[c];
  }
}

double XentTotals::per_class_accuracy() const {
  if (class_steps.empty()) return 0.0;
  double sum = 0;
  for (size_t c = 0; c < class_steps.size(); ++c)
    if (class_steps[c]) sum += double(class_correct[c]) / double(class_steps[c]);
  return sum / double(class_steps.size());
}

namespace {

// Writes e^(z - max) into `e` and returns their sum; vectorized.
DRUMRNN_CLONES_AVX2 float exp_shifted(const float* z, int C, float zmax, float* e) {
  float sum = 0.0f;
  for (int c = 0; c < C; ++c) {
    e[c] = fast_exp_nonpositive(z[c] - zmax);
    sum += e[c];
  }
  return sum;
}

}  // namespace

XentTotals softmax_xent(const float* logits, const int32_t* labels, int rows, int C, float* d_logits,
                        float grad_scale, bool track_classes) {
  std::vector<float> scratch(d_logits ? 0 : C);
  XentTotals t;
  if (track_classes) {
    t.class_steps.assign(C, 0);
    t.class_correct.assign(C, 0);
  }
  for (int r = 0; r < rows; ++r) {
    const float* z = logits + size_t(r) * C;
    const int label = labels[r];
    int argmax = 0;
    float zmax = z[0];
    for (int c = 1; c < C; ++c)
      if (z[c] > zmax) zmax = z[c], argmax = c;  // first maximum, as tf.argmax
    // Read the label's logit first: d_logits may alias logits (the trainer computes in place).
    const double z_label = double(z[label] - zmax);
    float* e = d_logits ? d_logits + size_t(r) * C : scratch.data();
    const float sum = exp_shifted(z, C, zmax, e);
    t.loss_sum += std::log(double(sum)) - z_label;
    if (d_logits) {
      const float scale = grad_scale / sum;
      for (int c = 0; c < C; ++c) e[c] *= scale;
      e[label] -= grad_scale;
    }
    const bool hit = argmax == label;
    ++t.steps;
    t.correct += hit;
    if (label != 0) {
      ++t.event_steps;
      t.event_correct += hit;
    } else {
      ++t.no_event_steps;
      t.no_event_correct += hit;
    }
    if (track_classes) {
      ++t.class_steps[label];
      t.class_correct[label] += hit;
    }
  }
  return t;
}

}  // namespace drumrnn
