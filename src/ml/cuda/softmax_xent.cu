// Masked softmax cross-entropy over the packed rows: a warp per row (max with tf.argmax's tie rule,
// Σ e^(z - max), the loss, the gradient in place), then a fixed-order reduction of the totals.
// Packed rows are all real steps, so no padding mask is needed: every row weighs the same.
#include <cfloat>
#include <climits>

#include "ml/cuda/check.h"
#include "ml/cuda/kernels.cuh"
#include "ml/trainer_elementwise.h"

namespace drumrnn::gpu {
namespace {

__global__ void bias_rows(float* logits, const float* bias, int rows, int C) {
  const size_t n = size_t(rows) * C;
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < n; k += size_t(gridDim.x) * blockDim.x)
    logits[k] = bias[k % C];
}

__global__ void xent_rows(float* logits, const int32_t* labels, int rows, int C, float grad_scale, double* row_loss,
                          uint8_t* hits) {
  const int row = int((blockIdx.x * size_t(blockDim.x) + threadIdx.x) / 32);
  const int lane = threadIdx.x & 31;
  if (row >= rows) return;  // a whole warp leaves together
  float* z = logits + size_t(row) * C;
  const int label = labels[row];
  float zmax = -FLT_MAX;
  int arg = INT_MAX;
  for (int c = lane; c < C; c += 32)
    if (arg == INT_MAX || train::argmax_prefers(z[c], c, zmax, arg)) zmax = z[c], arg = c;
  for (int o = 16; o > 0; o >>= 1) {
    const float oz = __shfl_xor_sync(0xffffffffu, zmax, o);
    const int oa = __shfl_xor_sync(0xffffffffu, arg, o);
    if (oa != INT_MAX && (arg == INT_MAX || train::argmax_prefers(oz, oa, zmax, arg))) zmax = oz, arg = oa;
  }
  float sum = 0.0f;
  for (int c = lane; c < C; c += 32) sum += train::xent_exp(z[c], zmax);
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  const float z_label = z[label];
  __syncwarp();  // every lane has read z[label] before any lane overwrites it
  if (grad_scale > 0)
    for (int c = lane; c < C; c += 32) z[c] = train::xent_grad(train::xent_exp(z[c], zmax), sum, c == label, grad_scale);
  if (lane == 0) {
    row_loss[row] = train::xent_row_loss(sum, z_label, zmax);
    hits[row] = arg == label ? 1 : 0;
  }
}

__global__ void xent_totals(const double* row_loss, const uint8_t* hits, const int32_t* labels, int rows, double* out) {
  __shared__ double s[4][kThreads];
  double loss = 0, correct = 0, event = 0, no_event = 0;
  for (int r = threadIdx.x; r < rows; r += kThreads) {
    loss += row_loss[r];
    const double hit = hits[r];
    correct += hit;
    if (labels[r] != 0) event += hit;
    else no_event += hit;
  }
  s[0][threadIdx.x] = loss, s[1][threadIdx.x] = correct, s[2][threadIdx.x] = event, s[3][threadIdx.x] = no_event;
  __syncthreads();
  for (int k = kThreads / 2; k > 0; k >>= 1) {
    if (threadIdx.x < k)
      for (int q = 0; q < 4; ++q) s[q][threadIdx.x] += s[q][threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x < 4) out[threadIdx.x] = s[threadIdx.x][0];
}

int blocks_for(size_t n) {
  const size_t b = (n + kThreads - 1) / kThreads;
  return int(b < 65535 * 16 ? (b > 0 ? b : 1) : 65535 * 16);
}

}  // namespace

void launch_bias_rows(float* logits, const float* bias, int rows, int C, cudaStream_t stream) {
  bias_rows<<<blocks_for(size_t(rows) * C), kThreads, 0, stream>>>(logits, bias, rows, C);
  DRUMRNN_KERNEL_CHECK();
}

void launch_xent_rows(float* logits, const int32_t* labels, int rows, int C, float grad_scale, double* row_loss,
                      uint8_t* hits, cudaStream_t stream) {
  const int warps_per_block = kThreads / 32;
  const int blocks = (rows + warps_per_block - 1) / warps_per_block;
  xent_rows<<<blocks > 0 ? blocks : 1, kThreads, 0, stream>>>(logits, labels, rows, C, grad_scale, row_loss, hits);
  DRUMRNN_KERNEL_CHECK();
}

void launch_xent_totals(const double* row_loss, const uint8_t* hits, const int32_t* labels, int rows, double* out,
                        cudaStream_t stream) {
  xent_totals<<<1, kThreads, 0, stream>>>(row_loss, hits, labels, rows, out);
  DRUMRNN_KERNEL_CHECK();
}

}  // namespace drumrnn::gpu
