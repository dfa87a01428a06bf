// The per-element work of the training kernels, written once for both sides: the CUDA kernels in
// ml/cuda/ call these for each element, the CPU trainer calls the dropout hash too (so both devices
// draw the same masks), and tests/test_gpu_trainer_kernels.cpp runs them on the CPU against the CPU
// trainer, so a kernel's arithmetic is tested on a machine without a GPU. C++17, no CUDA types.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define DRUMRNN_HD __host__ __device__ inline
#else
#define DRUMRNN_HD inline
#endif

namespace drumrnn::train {

// --- dropout (Magenta's DropoutWrapper on each cell's output) ----------------------------------
// The mask of (layer, batch sequence, step, unit) is a hash of the update's stream, so it does not
// depend on how the batch is split across CPU shards, threads or GPU blocks.

// splitmix64's finalizer: mixes a row's key (layer, sequence, step) into 32 well-spread bits.
DRUMRNN_HD uint32_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return uint32_t((z ^ (z >> 31)) >> 16);
}

// The stream of one update: the run's seed and Adam's step (a resumed run draws the same masks).
DRUMRNN_HD uint64_t dropout_stream(uint64_t seed, int64_t adam_step) {
  return seed * 0x9E3779B97F4A7C15ull + uint64_t(adam_step) * 0xBF58476D1CE4E5B9ull;
}

DRUMRNN_HD uint32_t dropout_row_key(uint64_t stream, int layer, uint64_t sequence, int step) {
  const uint64_t layer_key = stream ^ (uint64_t(layer + 1) * 0xD6E8FEB86659FD93ull);
  return mix64(layer_key + ((sequence << 32) | uint64_t(step)) * 0x9E3779B97F4A7C15ull);
}

DRUMRNN_HD uint32_t dropout_threshold(float keep) { return uint32_t(double(keep) * 4294967295.0); }

// Counter-based hash (murmur3's finalizer) of one unit of a row: 1/keep (kept) or 0 (dropped).
DRUMRNN_HD float dropout_mask_value(uint32_t row_key, int unit, uint32_t threshold, float scale) {
  uint32_t h = row_key ^ (uint32_t(unit) * 0x9E3779B9u);
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h < threshold ? scale : 0.0f;
}

// --- softmax cross-entropy (one row of logits z, its max and Σ e^(z - max)) --------------------

DRUMRNN_HD float xent_exp(float z, float zmax) { return expf(z - zmax); }

// The row's loss in nats: log Σ e^(z - max) - (z_label - max).
DRUMRNN_HD double xent_row_loss(float sum, float z_label, float zmax) {
  return log(double(sum)) - double(z_label - zmax);
}

// d(grad_scale · loss)/dz for one class: (softmax - onehot) · grad_scale.
DRUMRNN_HD float xent_grad(float e, float sum, bool is_label, float grad_scale) {
  return e * (grad_scale / sum) - (is_label ? grad_scale : 0.0f);
}

// tf.argmax's tie rule when merging two candidates: the larger logit, the lower class on a tie.
DRUMRNN_HD bool argmax_prefers(float za, int ca, float zb, int cb) { return za > zb || (za == zb && ca < cb); }

// --- per-tensor clipping (tf_slim clip_gradient_norm) and TensorFlow 1's Adam --------------------

// The factor a tensor's gradient is multiplied by, from its Σ g² (1 when within clip_norm).
DRUMRNN_HD float clip_scale(double square_sum, float clip_norm) {
  const double norm = sqrt(square_sum);
  return clip_norm > 0 && norm > clip_norm ? float(clip_norm / norm) : 1.0f;
}

// lr·√(1-β2^t)/(1-β1^t) for update number t (1-based).
inline float adam_lr_t(float lr, int64_t t, float beta1, float beta2) {
  return float(lr * std::sqrt(1.0 - std::pow(double(beta2), double(t))) / (1.0 - std::pow(double(beta1), double(t))));
}

// One parameter's Adam update with its (already clipped) gradient g.
DRUMRNN_HD void adam_element(float& w, float& m, float& v, float g, float beta1, float beta2, float epsilon,
                             float lr_t) {
  m = beta1 * m + (1.0f - beta1) * g;
  v = beta2 * v + (1.0f - beta2) * g * g;
  w -= lr_t * m / (sqrtf(v) + epsilon);
}

// --- cuDNN weight space <-> TensorFlow variables ------------------------------------------------
// (the index map itself is built on the host by ml/cuda/cudnn_weight_map.h)

// A cuDNN weight-space element from the flat TF-layout parameters: its source, plus the forget
// bias for the f gate's bias (TF adds 1.0 inside the cell, cuDNN has no such constant). -1 = zero.
DRUMRNN_HD float packed_weight(const float* params, int64_t source, float shift) {
  return source >= 0 ? params[source] + shift : 0.0f;
}

}  // namespace drumrnn::train
