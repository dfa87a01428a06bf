// Magenta's per-tensor clipping (tf_slim clip_gradient_norm: Σ g² per variable, scaled on the host
// by ml/trainer_elementwise.h clip_scale) and TensorFlow 1's Adam, one element per thread.
#include "ml/cuda/check.h"
#include "ml/cuda/kernels.cuh"
#include "ml/trainer_elementwise.h"

namespace drumrnn::gpu {
namespace {

__global__ void square_sums(const float* grads, const int64_t* offsets, const int64_t* sizes, double* out) {
  __shared__ double s[kThreads];
  const float* g = grads + offsets[blockIdx.x];
  const int64_t n = sizes[blockIdx.x];
  double sq = 0;
  for (int64_t k = threadIdx.x; k < n; k += kThreads) sq += double(g[k]) * double(g[k]);
  s[threadIdx.x] = sq;
  __syncthreads();
  for (int k = kThreads / 2; k > 0; k >>= 1) {
    if (threadIdx.x < k) s[threadIdx.x] += s[threadIdx.x + k];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = s[0];
}

__global__ void adam(float* w, float* m, float* v, const float* g, size_t n, float clip_scale, float beta1,
                     float beta2, float epsilon, float lr_t) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < n; k += size_t(gridDim.x) * blockDim.x)
    train::adam_element(w[k], m[k], v[k], g[k] * clip_scale, beta1, beta2, epsilon, lr_t);
}

}  // namespace

void launch_square_sums(const float* grads, const int64_t* offsets, const int64_t* sizes, int tensors, double* out,
                        cudaStream_t stream) {
  square_sums<<<tensors, kThreads, 0, stream>>>(grads, offsets, sizes, out);
  DRUMRNN_KERNEL_CHECK();
}

void launch_adam(float* w, float* m, float* v, const float* g, size_t n, float clip_scale, float beta1, float beta2,
                 float epsilon, float lr_t, cudaStream_t stream) {
  const size_t b = (n + kThreads - 1) / kThreads;
  const int blocks = int(b < 65535 * 16 ? (b > 0 ? b : 1) : 65535 * 16);
  adam<<<blocks, kThreads, 0, stream>>>(w, m, v, g, n, clip_scale, beta1, beta2, epsilon, lr_t);
  DRUMRNN_KERNEL_CHECK();
}

}  // namespace drumrnn::gpu
