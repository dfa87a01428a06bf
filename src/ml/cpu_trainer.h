// The CPU reference trainer: the batch is cut into fixed chunks of sequences (one CpuShard each),
// the threads share the chunks out, and the chunks' gradients are summed in chunk order, then
// per-tensor clipping and Adam (ml/adam.cpp). The chunks depend on the batch alone, never on the
// thread count, so the same seed trains bit for bit the same on any number of cores.
#pragma once
#include <memory>
#include <vector>

#include "ml/cpu_shard.h"
#include "ml/trainer.h"

namespace drumrnn {

class CpuTrainer final : public Trainer {
 public:
  // threads 0 = one per core.
  CpuTrainer(DrumRnn& model, const TrainOptions& options, int threads = 0);
  TrainStepStats train_step(const PackedBatch& batch) override;
  XentTotals evaluate(const PackedBatch& batch, bool track_classes) override;
  XentTotals loss_and_gradients(const PackedBatch& batch, bool dropout) override;
  const ParamBuffer& grads() override { return grads_; }
  AdamState& optimizer() override { return adam_; }
  std::string device_name() const override;

  // How many chunks a batch of `sequences` is cut into: at most kSequencesPerChunk sequences each,
  // and at most kMaxChunks (each holds a gradient buffer). Each time step costs a few small GEMMs
  // per chunk, with a fixed overhead per call: on a 2-core machine, chunks of 8 cost 14% more CPU
  // than one shard of 64, chunks of 16 about 5%. 16 it is, so Magenta's batch of 64 keeps 4 cores
  // busy (larger batches more).
  static constexpr int kSequencesPerChunk = 16;
  static constexpr int kMaxChunks = 32;
  static int chunk_count(int sequences);

 private:
  XentTotals run_shards(const PackedBatch& batch, float keep, float grad_scale, bool track_classes);

  DrumRnn& model_;
  TrainOptions options_;
  int threads_;
  ParamBuffer grads_;
  AdamState adam_;
  std::vector<std::unique_ptr<CpuShard>> shards_;  // one per chunk, grown on demand
};

}  // namespace drumrnn
