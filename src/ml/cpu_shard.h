// Forward and backward of the whole network over one shard of a batch, on the calling thread.
// CpuTrainer runs one shard per core and sums the gradients (data parallelism): no synchronization
// inside the time loop, and every small GEMM stays on one core.
#pragma once
#include <cstdint>
#include <vector>

#include "ml/drum_rnn.h"
#include "ml/softmax_xent.h"

namespace drumrnn {

class CpuShard {
 public:
  explicit CpuShard(const DrumRnn& model) : model_(model), grads_(model.table()), caches_(model.layers()),
                                            masks_(model.layers()) {}

  // dropout_keep < 1 draws fresh masks from (seed, stream). When grad_scale > 0, gradients of
  // grad_scale · Σ cross-entropy go to grads() (overwritten).
  XentTotals run(const PackedBatch& shard, float dropout_keep, uint64_t seed, float grad_scale, bool track_classes);
  const ParamBuffer& grads() const { return grads_; }

 private:
  void forward(const PackedBatch& b, float dropout_keep, uint64_t seed);
  void backward(const PackedBatch& b);

  const DrumRnn& model_;
  ParamBuffer grads_;
  std::vector<LstmCache> caches_;
  std::vector<std::vector<float>> masks_;
  std::vector<float> logits_, d_out_, d_in_;
};

// Splits a packed batch by sequence (k, k + n, k + 2n, ... for shard k), keeping the packed layout.
std::vector<PackedBatch> split_batch(const PackedBatch& batch, int shards);

}  // namespace drumrnn
