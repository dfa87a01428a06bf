#include "ml/adam.h"

#include <cmath>

namespace drumrnn {

double clip_per_tensor(ParamBuffer& grads, float clip_norm) {
  double global = 0;
  for (size_t i = 0; i < grads.table->views().size(); ++i) {
    auto g = grads.view(i);
    double sq = 0;
    for (float x : g) sq += double(x) * x;
    global += sq;
    const double norm = std::sqrt(sq);
    if (clip_norm > 0 && norm > clip_norm) {
      const float scale = float(clip_norm / norm);
      for (float& x : g) x *= scale;
    }
  }
  return std::sqrt(global);
}

void adam_update(ParamBuffer& params, const ParamBuffer& grads, AdamState& s, float lr, float beta1, float beta2,
                 float epsilon) {
  ++s.step;
  const double t = double(s.step);
  const float lr_t = float(lr * std::sqrt(1.0 - std::pow(double(beta2), t)) / (1.0 - std::pow(double(beta1), t)));
  float* w = params.data.data();
  const float* g = grads.data.data();
  float* m = s.m.data.data();
  float* v = s.v.data.data();
  const size_t n = params.data.size();
  for (size_t k = 0; k < n; ++k) {
    m[k] = beta1 * m[k] + (1.0f - beta1) * g[k];
    v[k] = beta2 * v[k] + (1.0f - beta2) * g[k] * g[k];
    w[k] -= lr_t * m[k] / (std::sqrt(v[k]) + epsilon);
  }
}

}  // namespace drumrnn
