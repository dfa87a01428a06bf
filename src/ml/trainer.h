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
  // Loss and gradients (see grads()) without an update, for gradient checks. Dropout masks are
  // those of the next update (they are keyed on the seed and optimizer().step).
  virtual XentTotals loss_and_gradients(const PackedBatch& batch, bool dropout) = 0;
  // A host copy of the gradients of the last loss_and_gradients or train_step (a device trainer
  // downloads them here).
  virtual const ParamBuffer& grads() = 0;

  // The host copies of the model's parameters (the DrumRnn given to make_trainer) and of Adam's
  // state. The CPU trainer works on them directly; a device trainer keeps its own copies, so:
  // sync_to_host() brings weights, m, v and step up to date on the host (before a save), and
  // sync_from_host() sends them to the device (after restoring a checkpoint into them).
  virtual AdamState& optimizer() = 0;
  virtual void sync_to_host() {}
  virtual void sync_from_host() {}
  virtual std::string device_name() const = 0;
};

// Device::cuda throws DeviceError (one line) when CUDA is not built in, no GPU is present or the
// model is one the GPU trainer does not support. Device::automatic takes the GPU when there is one
// and falls back to the CPU otherwise; `choice`, when given, receives a phrase saying which it chose
// and why (empty for an explicit device).
std::unique_ptr<Trainer> make_trainer(Device device, DrumRnn& model, const TrainOptions& options,
                                      std::string* choice = nullptr);

}  // namespace drumrnn
