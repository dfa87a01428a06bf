// Owning device arrays and the deterministic two-pass sum the style kernels share.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "style/cuda/style_check.h"

namespace drumrnn::style::gpu {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) { resize(n); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  void resize(size_t n) {
    if (n == n_) return;
    release();
    if (n > 0) STYLE_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T)));
    n_ = n;
  }
  void upload(const T* host, size_t n) {
    resize(n);
    STYLE_CUDA_CHECK(cudaMemcpy(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice));
  }
  void download(T* host, size_t n) const {
    STYLE_CUDA_CHECK(cudaMemcpy(host, ptr_, n * sizeof(T), cudaMemcpyDeviceToHost));
  }
  T* get() { return ptr_; }
  const T* get() const { return ptr_; }
  size_t size() const { return n_; }

 private:
  void release() {
    if (ptr_) cudaFree(ptr_);  // a failing free at teardown has nothing left to report to
    ptr_ = nullptr;
    n_ = 0;
  }
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

constexpr int kThreads = 256;
constexpr int kReduceBlocks = 512;

inline int blocks_for(size_t n) {
  const size_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b < 65535 * 16 ? (b > 0 ? b : 1) : 65535 * 16);
}

// Block-level sum of per-thread doubles into partial[blockIdx.x] (blockDim.x == kThreads).
__device__ inline void block_sum_to(double v, double* partial) {
  __shared__ double shared[kThreads];
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = shared[0];
}

// out[0] (+)= Σ partial[0..n): one block, fixed order, so the sum is the same every run.
// (static: each .cu keeps its own copy, so no relocatable device code is needed.)
static __global__ void finish_sum(const double* partial, int n, double* out, bool accumulate) {
  double v = 0;
  for (int i = threadIdx.x; i < n; i += kThreads) v += partial[i];
  __shared__ double shared[kThreads];
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[0] = accumulate ? out[0] + shared[0] : shared[0];
}

}  // namespace drumrnn::style::gpu
