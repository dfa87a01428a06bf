// An owning device array that only grows (batches vary in size; reallocating each step would
// synchronize the device), with checked copies on the trainer's stream.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "ml/cuda/check.h"

namespace drumrnn::gpu {

template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  ~DeviceArray() {
    if (ptr_) cudaFree(ptr_);  // a failing free at teardown has nothing left to report to
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  // At least n elements; the contents are lost when it grows.
  void reserve(size_t n) {
    if (n <= capacity_) return;
    if (ptr_) DRUMRNN_CUDA_CHECK(cudaFree(ptr_));
    ptr_ = nullptr;
    capacity_ = 0;
    DRUMRNN_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T)));
    capacity_ = n;
  }
  void upload(const T* host, size_t n, cudaStream_t stream) {
    reserve(n);
    if (n) DRUMRNN_CUDA_CHECK(cudaMemcpyAsync(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice, stream));
  }
  void download(T* host, size_t n, cudaStream_t stream) const {
    if (n) DRUMRNN_CUDA_CHECK(cudaMemcpyAsync(host, ptr_, n * sizeof(T), cudaMemcpyDeviceToHost, stream));
  }
  void zero(size_t n, cudaStream_t stream) {
    if (n) DRUMRNN_CUDA_CHECK(cudaMemsetAsync(ptr_, 0, n * sizeof(T), stream));
  }
  // All bits set: a NaN in every float (tests poison outputs with it).
  void poison(cudaStream_t stream) {
    if (capacity_) DRUMRNN_CUDA_CHECK(cudaMemsetAsync(ptr_, 0xFF, capacity_ * sizeof(T), stream));
  }
  T* get() { return ptr_; }
  const T* get() const { return ptr_; }
  size_t capacity() const { return capacity_; }

 private:
  T* ptr_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace drumrnn::gpu
