// The GPU trainer behind the Trainer seam: cuDNN's LSTM, cuBLAS's output layer, our own kernels for
// the loss, dropout, clipping and Adam (ml/cuda/). make_trainer() is its one user in the program;
// tests/test_gpu_trainer.cpp also uses the test hooks below. Only in builds with CUDA
// (DRUMRNN_HAVE_CUDA); the device code sits behind ml/cuda/train_engine.h (no CUDA types).
#pragma once
#include <memory>
#include <string>

#include "ml/trainer.h"

namespace drumrnn {

namespace gpu {
class TrainEngine;
}

// Whether make_cuda_trainer can train `model` here; when not, `why` says why in one phrase (no
// device, or a model the GPU trainer does not support).
bool cuda_trainer_available(const DrumRnn& model, std::string& why);

// Throws DeviceError when cuda_trainer_available is false, std::runtime_error (file:line and the
// library's message) when a CUDA, cuDNN or cuBLAS call fails.
std::unique_ptr<Trainer> make_cuda_trainer(DrumRnn& model, const TrainOptions& options);

// The model's parameters, gradients and Adam's moments live on the device in the host's flat
// layout; the host copies (model.params(), optimizer()) are brought up to date by sync_to_host()
// and sent back by sync_from_host(). Dropout masks are the CPU trainer's, so either device resumes
// the other's run on the same masks.
class CudaTrainer final : public Trainer {
 public:
  CudaTrainer(DrumRnn& model, const TrainOptions& options);
  ~CudaTrainer() override;
  TrainStepStats train_step(const PackedBatch& batch) override;
  XentTotals evaluate(const PackedBatch& batch, bool track_classes) override;
  XentTotals loss_and_gradients(const PackedBatch& batch, bool dropout) override;
  const ParamBuffer& grads() override;
  AdamState& optimizer() override { return adam_; }
  void sync_to_host() override;
  void sync_from_host() override;
  std::string device_name() const override;

  // Test hooks: the logits [rows, C] of a forward without dropout, in packed row order; and NaN in
  // every device output buffer (gradients, activations, logits).
  void logits(const PackedBatch& batch, float* out);
  void poison_device_buffers();

 private:
  XentTotals run(const PackedBatch& batch, float keep, float grad_scale, bool track_classes, float* logits,
                 std::vector<double>* square_sums);

  DrumRnn& model_;
  TrainOptions options_;
  ParamBuffer grads_;
  AdamState adam_;
  std::unique_ptr<gpu::TrainEngine> engine_;
};

}  // namespace drumrnn
