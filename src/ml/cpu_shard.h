// Forward and backward of the whole network over one shard of a batch, on the calling thread.
// CpuTrainer runs one shard per core and sums the gradients (data parallelism): no synchronization
// inside the time loop, and every small GEMM stays on one core.
#pragma once
#include <cstdint>
#include <vector>

#include "ml/drum_rnn.h"
#include "ml/softmax_xent.h"

namespace drumrnn {

// Where a shard's dropout masks come from. The mask of (sequence, step t, unit) in layer l is a
// hash of `stream` (the seed and the update's number) and the sequence's index in the whole batch,
// so it does not depend on how the batch was split across shards or threads.
struct DropoutStream {
  uint64_t stream = 0;
  int first_sequence = 0;   // the batch index of the shard's sequence 0
  int sequence_stride = 1;  // shard sequence i is batch sequence first_sequence + i * sequence_stride
};

class CpuShard {
 public:
  explicit CpuShard(const DrumRnn& model) : model_(model), grads_(model.table()), caches_(model.layers()),
                                            masks_(model.layers()) {}

  // dropout_keep < 1 draws masks from `dropout`. When grad_scale > 0, gradients of
  // grad_scale · Σ cross-entropy go to grads() (overwritten).
  XentTotals run(const PackedBatch& shard, float dropout_keep, const DropoutStream& dropout, float grad_scale,
                 bool track_classes);
  const ParamBuffer& grads() const { return grads_; }
  // The logits [rows, C] of the last run() in packed row order; valid after a run() without
  // gradients (grad_scale 0), which leaves them in place.
  const std::vector<float>& logits() const { return logits_; }

 private:
  void forward(const PackedBatch& b, float dropout_keep, const DropoutStream& dropout);
  void backward(const PackedBatch& b);
  const float* layer_out(int l) const;  // layer l's output after dropout

  const DrumRnn& model_;
  ParamBuffer grads_;
  std::vector<LstmCache> caches_;
  AttentionCache attention_;  // layer 0's, when the model has attention
  std::vector<std::vector<float>> masks_;
  std::vector<float> logits_, d_out_, d_in_;
};

// Splits a packed batch by sequence (k, k + n, k + 2n, ... for shard k), keeping the packed layout.
std::vector<PackedBatch> split_batch(const PackedBatch& batch, int shards);

}  // namespace drumrnn
