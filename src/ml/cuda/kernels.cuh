// Launchers of the GPU trainer's own kernels (each .cu launches only the kernels it defines, so no
// relocatable device code is needed). The per-element arithmetic is ml/trainer_elementwise.h.
// Every launcher checks the launch (file and line) and runs on `stream`.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace drumrnn::gpu {

constexpr int kThreads = 256;

// --- softmax_xent.cu ---
// logits [rows, C] := bias per row (before the output GEMM accumulates into them).
void launch_bias_rows(float* logits, const float* bias, int rows, int C, cudaStream_t stream);
// Per row: loss (nats), hit (argmax == label); with grad_scale > 0 the logits become
// d(grad_scale · Σ loss)/d(logits) in place.
void launch_xent_rows(float* logits, const int32_t* labels, int rows, int C, float grad_scale, double* row_loss,
                      uint8_t* hits, cudaStream_t stream);
// out[0..3] = Σ loss, correct, event_correct (label != 0), no_event_correct, in a fixed order.
void launch_xent_totals(const double* row_loss, const uint8_t* hits, const int32_t* labels, int rows, double* out,
                        cudaStream_t stream);

// --- adam.cu ---
// out[i] = Σ g² over tensor i (offsets[i], sizes[i] into grads), one block per tensor.
void launch_square_sums(const float* grads, const int64_t* offsets, const int64_t* sizes, int tensors, double* out,
                        cudaStream_t stream);
// Adam on n parameters with their gradient times clip_scale.
void launch_adam(float* w, float* m, float* v, const float* g, size_t n, float clip_scale, float beta1, float beta2,
                 float epsilon, float lr_t, cudaStream_t stream);

// --- lstm_cudnn.cu ---
// cuDNN weight space from the TF-layout parameters, and the gradients back (ml/cuda/cudnn_weight_map.h).
void launch_pack_weights(float* space, const float* params, const int64_t* source, const float* shift, size_t n,
                         cudaStream_t stream);
void launch_unpack_grads(float* grads, const float* dspace, const int64_t* source, size_t n, cudaStream_t stream);
// Dense [rows, width] rows from CSR rows (x must be zeroed first).
void launch_densify(float* x, int width, const int32_t* row_start, const int32_t* index, const float* value, int rows,
                    cudaStream_t stream);
// y[r, u] *= mask(layer, sequence, step, u): row r is step row_step[r], sequence r - offsets[step].
void launch_dropout(float* out, const float* in, int rows, int H, const int32_t* row_step, const int32_t* offsets,
                    uint64_t stream_key, int layer, float keep, cudaStream_t stream);

}  // namespace drumrnn::gpu
