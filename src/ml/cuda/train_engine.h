// The GPU side of the CUDA trainer, behind a host-only C++17 interface with no CUDA types (the
// Trainer in ml/cuda_trainer.cpp is C++20 and never sees a CUDA header). The device holds the
// parameters, their gradients and Adam's moments in the very flat TF layout of ml/param_table.h,
// so uploads and downloads are one copy each, and clipping and Adam walk the same tensors as the CPU.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace drumrnn::gpu {

struct EngineLayer {
  int in = 0, units = 0;
  size_t kernel_offset = 0, bias_offset = 0;  // floats into the flat parameter buffer
};

struct EngineShape {
  std::vector<EngineLayer> layers;
  int num_classes = 0;
  size_t fc_weights_offset = 0, fc_biases_offset = 0;  // [H_last, C] and [C]
  std::vector<size_t> tensor_offsets, tensor_sizes;    // every tensor, in table order
  size_t total = 0;
};

// A packed batch (ml/packed_batch.h) as plain arrays; lengths descending, all > 0.
struct EngineBatch {
  std::vector<int> lengths;
  const int* offsets = nullptr;  // max_len + 1
  int max_len = 0, rows = 0, width = 0;
  const int32_t* row_start = nullptr;  // rows + 1 (CSR inputs)
  const int32_t* index = nullptr;
  const float* value = nullptr;
  const int32_t* labels = nullptr;
};

struct EngineTotals {
  double loss_sum = 0;
  int64_t correct = 0, event_correct = 0, no_event_correct = 0;
  std::vector<double> tensor_square_sums;  // Σ g² per tensor, when gradients were asked for
};

class TrainEngine {
 public:
  // Throws std::runtime_error (file:line, the library's message) when any CUDA, cuDNN or cuBLAS
  // call fails, here and in every method.
  explicit TrainEngine(const EngineShape& shape);
  ~TrainEngine();
  TrainEngine(const TrainEngine&) = delete;
  TrainEngine& operator=(const TrainEngine&) = delete;

  std::string device_name() const;
  void upload_params(const float* params);
  void download_params(float* params);
  void upload_moments(const float* m, const float* v);
  void download_moments(float* m, float* v);

  // Forward (dropout when keep < 1, masks keyed on dropout_stream as the CPU's), the loss, and when
  // grad_scale > 0 the backward pass of grad_scale · Σ loss into the device gradients and their
  // per-tensor Σ g². `hits` (rows bytes: argmax == label) and `logits` ([rows, C], before the loss)
  // are downloaded when non-null.
  EngineTotals run(const EngineBatch& batch, float keep, uint64_t dropout_stream, float grad_scale, uint8_t* hits,
                   float* logits);
  void download_grads(float* grads);
  // One Adam update, each tensor's gradient times its clip scale.
  void adam(const std::vector<float>& clip_scales, float lr_t, float beta1, float beta2, float epsilon);
  // Fills the gradients, activations and logits on the device with NaN (tests: a kernel that skips
  // an element then shows).
  void poison();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drumrnn::gpu
