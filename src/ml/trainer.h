// The CPU/GPU seam: everything above this (train loop, evaluation, checkpoints) is device-blind,
// and make_trainer() is the only place that knows CUDA exists.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "ml/adam.h"
#include "ml/drum_rnn.h"
#include "ml/packed_batch.h"
#include "ml/softmax_xent.h"

namespace drumrnn {

enum class Device { cpu, cuda, automatic };
Device parse_device(const std::string& name);  // "cpu" | "cuda" | "auto"; throws std::invalid_argument

struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TrainOptions {
  float learning_rate = 0.001f;
  float clip_norm = 3.0f;
  float dropout_keep_prob = 1.0f;
  uint64_t seed = 0;  // dropout masks
  int threads = 0;    // CPU: worker threads, 0 = one per core
};

struct TrainStepStats {
  XentTotals totals;       // loss and accuracies of this batch, before the update
  double grad_norm = 0;    // global norm before per-tensor clipping
  // False when the loss or the gradient norm was not finite: the update was refused, and the
  // weights and Adam's state are as they were before this step.
  bool applied = true;
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  // Forward with dropout, backward, per-tensor clipping, one Adam update of the model's parameters.
  virtual TrainStepStats train_step(const PackedBatch& batch) = 0;
  // Forward without dropout; no update.
  virtual XentTotals evaluate(const PackedBatch& batch, bool track_classes) = 0;
  virtual AdamState& optimizer() = 0;
  // Brings the model's host parameters up to date (a no-op on the CPU).
  virtual void sync_to_host() {}
  virtual std::string device_name() const = 0;
};

// Device::automatic picks the CPU (the GPU trainer must be asked for by name until it is proven
// faster for the model at hand). Throws DeviceError when CUDA is not built in or no GPU is present.
std::unique_ptr<Trainer> make_trainer(Device device, DrumRnn& model, const TrainOptions& options);

}  // namespace drumrnn
