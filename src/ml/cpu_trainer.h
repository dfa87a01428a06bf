// The CPU reference trainer: one CpuShard per core over slices of the batch, gradients summed,
// then per-tensor clipping and Adam (ml/adam.cpp).
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
  AdamState& optimizer() override { return adam_; }
  std::string device_name() const override;

  // Loss and gradients (into grads()) without an update, for gradient checks.
  XentTotals loss_and_gradients(const PackedBatch& batch, bool dropout);
  const ParamBuffer& grads() const { return grads_; }

 private:
  XentTotals run_shards(const PackedBatch& batch, float keep, float grad_scale, bool track_classes);

  DrumRnn& model_;
  TrainOptions options_;
  int threads_;
  ParamBuffer grads_;
  AdamState adam_;
  uint64_t draws_ = 0;  // dropout stream counter
  std::vector<std::unique_ptr<CpuShard>> shards_;
};

}  // namespace drumrnn
