// TensorFlow 1's Adam (β1 0.9, β2 0.999, ε 1e-8, lr_t = lr·√(1-β2^t)/(1-β1^t)) with Magenta's
// per-tensor gradient clipping (tf_slim clip_gradient_norm: each variable's gradient separately).
#pragma once
#include <cstdint>

#include "ml/param_table.h"

namespace drumrnn {

struct AdamState {
  ParamBuffer m, v;
  int64_t step = 0;  // number of updates applied
  explicit AdamState(const ParamTable& t) : m(t), v(t) {}
};

// Scales each tensor's gradient to at most clip_norm (L2); returns the global norm before clipping.
double clip_per_tensor(ParamBuffer& grads, float clip_norm);

void adam_update(ParamBuffer& params, const ParamBuffer& grads, AdamState& state, float learning_rate,
                 float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f);

}  // namespace drumrnn
