#include "ml/cpu_shard.h"

#include <algorithm>
#include <cblas.h>
#include <cstring>

#include "ml/simd_dispatch.h"
#include "ml/trainer_elementwise.h"

namespace drumrnn {
namespace {

// One row of a mask (ml/trainer_elementwise.h draws each unit, the GPU kernel calls the same hash);
// no sequential RNG state, so the loop vectorizes and any row's mask can be drawn on its own.
DRUMRNN_CLONES_AVX2 void dropout_mask_row(float* mask, int n, uint32_t row_key, float keep) {
  const uint32_t threshold = train::dropout_threshold(keep);
  const float scale = 1.0f / keep;
  for (int k = 0; k < n; ++k) mask[k] = train::dropout_mask_value(row_key, k, threshold, scale);
}

// mask [rows, H] for layer l of a packed shard: row (t, i) is batch sequence first + i * stride at step t.
void dropout_mask(float* mask, const PackedBatch& b, int H, int layer, const DropoutStream& d, float keep) {
  for (int t = 0; t < b.max_len(); ++t)
    for (int i = 0; i < b.active(t); ++i) {
      const uint64_t sequence = uint64_t(d.first_sequence) + uint64_t(i) * uint64_t(d.sequence_stride);
      dropout_mask_row(mask + size_t(b.offsets[t] + i) * H, H, train::dropout_row_key(d.stream, layer, sequence, t),
                       keep);
    }
}

}  // namespace

const float* CpuShard::layer_out(int l) const {
  if (model_.has_attention() && l < model_.wrapped_layers())  // the wrapper's output stands for its last layer's
    return attention_.out.data();
  return caches_[l].out.data();
}

void CpuShard::forward(const PackedBatch& b, float keep, const DropoutStream& dropout) {
  const int rows = b.rows();
  LstmInput x{nullptr, &b.inputs};
  // Every layer's mask is drawn up front: the old layout's wrapper drops inside itself.
  std::vector<const float*> mask(model_.layers(), nullptr);
  if (keep < 1.0f)
    for (int l = 0; l < model_.layers(); ++l) {
      const int H = model_.layer_shape(l).units;
      masks_[l].resize(size_t(rows) * H);
      dropout_mask(masks_[l].data(), b, H, l, dropout, keep);
      mask[l] = masks_[l].data();
    }
  for (int l = 0; l < model_.layers(); ++l) {
    const LstmShape s = model_.layer_shape(l);
    if (l == 0 && model_.has_attention()) {
      // Cell-0 layout: the DropoutWrapper wraps the attention cell. Old layout: one inside per layer.
      AttentionDropout d;
      if (model_.attention_wraps_stack())
        for (int k = 0; k < model_.layers(); ++k) d.layer[k] = mask[k];
      else
        d.output = mask[0];
      attention_forward(model_.attention_shape(), model_.attention_params(), x, b, d, attention_);
      l = model_.wrapped_layers() - 1;
    } else {
      lstm_forward(s, model_.data(model_.kernel_index(l)), model_.data(model_.bias_index(l)), x, b, mask[l], caches_[l]);
    }
    x = LstmInput{layer_out(l), nullptr};
  }
  const int H = model_.shape().layer_sizes.back(), C = model_.shape().num_classes();
  logits_.resize(size_t(rows) * C);
  const float* fc_b = model_.data(model_.fc_biases_index());
  for (int r = 0; r < rows; ++r) std::memcpy(logits_.data() + size_t(r) * C, fc_b, C * sizeof(float));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, C, H, 1.0f, x.dense, H,
              model_.data(model_.fc_weights_index()), C, 1.0f, logits_.data(), C);
}

// Expects logits_ to hold d(loss)/d(logits).
void CpuShard::backward(const PackedBatch& b) {
  const int rows = b.rows(), C = model_.shape().num_classes(), L = model_.layers();
  const int H = model_.shape().layer_sizes.back();
  std::fill(grads_.data.begin(), grads_.data.end(), 0.0f);
  const float* d_logits = logits_.data();
  const float* out_last = layer_out(L - 1);
  // Logits layer: dW = out^T · dZ, db = Σ dZ, d_out = dZ · W^T.
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, C, rows, 1.0f, out_last, H, d_logits, C, 0.0f,
              grads_.view(model_.fc_weights_index()).data(), C);
  float* db = grads_.view(model_.fc_biases_index()).data();
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < C; ++c) db[c] += d_logits[size_t(r) * C + c];
  d_out_.resize(size_t(rows) * H);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, H, C, 1.0f, d_logits, C,
              model_.data(model_.fc_weights_index()), C, 0.0f, d_out_.data(), H);
  for (int l = L - 1; l >= 0; --l) {
    const LstmShape s = model_.layer_shape(l);
    if (model_.has_attention() && l < model_.wrapped_layers()) {
      // The wrapper and every layer in it, down to the input: nothing below.
      attention_backward(model_.attention_shape(), model_.attention_params(), LstmInput{nullptr, &b.inputs}, b,
                         attention_, d_out_.data(), model_.attention_grads(grads_), nullptr);
      break;
    }
    const LstmInput x = l == 0 ? LstmInput{nullptr, &b.inputs} : LstmInput{layer_out(l - 1), nullptr};
    float* d_x = nullptr;
    if (l > 0) {
      d_in_.resize(size_t(rows) * s.in);
      d_x = d_in_.data();
    }
    lstm_backward(s, model_.data(model_.kernel_index(l)), x, b, caches_[l], d_out_.data(),
                  grads_.view(model_.kernel_index(l)).data(), grads_.view(model_.bias_index(l)).data(), d_x);
    if (l > 0) std::swap(d_out_, d_in_);
  }
}

XentTotals CpuShard::run(const PackedBatch& b, float keep, const DropoutStream& dropout, float grad_scale,
                         bool track_classes) {
  if (b.rows() == 0) {
    std::fill(grads_.data.begin(), grads_.data.end(), 0.0f);
    return {};
  }
  forward(b, keep, dropout);
  const bool want_grads = grad_scale > 0;
  // In place: the logits buffer becomes d(loss)/d(logits).
  XentTotals t = softmax_xent(logits_.data(), b.labels.data(), b.rows(), model_.shape().num_classes(),
                              want_grads ? logits_.data() : nullptr, grad_scale, track_classes);
  if (want_grads) backward(b);
  return t;
}

std::vector<PackedBatch> split_batch(const PackedBatch& batch, int shards) {
  const int B = static_cast<int>(batch.lengths.size());
  shards = std::max(1, std::min(shards, B));
  std::vector<PackedBatch> out(shards);
  for (int k = 0; k < shards; ++k) {
    PackedBatch& p = out[k];
    p.inputs.clear(batch.inputs.width);
    for (int s = k; s < B; s += shards) p.lengths.push_back(batch.lengths[s]);
    p.offsets.assign(1, 0);
    const int T = p.lengths.empty() ? 0 : p.lengths.front();
    for (int t = 0; t < T; ++t) {
      int active = 0;
      for (int s = k; s < batch.active(t); s += shards) {
        const int row = batch.offsets[t] + s;
        p.inputs.append_row(batch.inputs, row);
        p.labels.push_back(batch.labels[row]);
        ++active;
      }
      p.offsets.push_back(p.offsets.back() + active);
    }
  }
  return out;
}

}  // namespace drumrnn
