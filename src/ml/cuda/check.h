// Status checks for every CUDA, cuDNN and cuBLAS call of the GPU trainer: a failure throws
// std::runtime_error naming the call, its file and line, and the library's own message.
// (style/cuda/style_check.h does the same for the style path; a merge may fold the two.)
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <stdexcept>
#include <string>

namespace drumrnn::gpu {

[[noreturn]] inline void throw_gpu_error(const char* library, const std::string& what, const char* file, int line) {
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + library + ": " + what);
}

inline const char* cublas_status_text(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED: return "allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE: return "invalid value";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "architecture mismatch";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "execution failed";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "internal error";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "not supported";
    default: return "error";
  }
}

}  // namespace drumrnn::gpu

#define DRUMRNN_CUDA_CHECK(call)                                                                           \
  do {                                                                                                     \
    const cudaError_t drumrnn_err_ = (call);                                                               \
    if (drumrnn_err_ != cudaSuccess)                                                                       \
      ::drumrnn::gpu::throw_gpu_error("CUDA", std::string(#call) + ": " + cudaGetErrorString(drumrnn_err_), \
                                      __FILE__, __LINE__);                                                 \
  } while (0)

#define DRUMRNN_CUDNN_CHECK(call)                                                                          \
  do {                                                                                                     \
    const cudnnStatus_t drumrnn_st_ = (call);                                                              \
    if (drumrnn_st_ != CUDNN_STATUS_SUCCESS)                                                               \
      ::drumrnn::gpu::throw_gpu_error("cuDNN", std::string(#call) + ": " + cudnnGetErrorString(drumrnn_st_), \
                                      __FILE__, __LINE__);                                                 \
  } while (0)

#define DRUMRNN_CUBLAS_CHECK(call)                                                                         \
  do {                                                                                                     \
    const cublasStatus_t drumrnn_st_ = (call);                                                             \
    if (drumrnn_st_ != CUBLAS_STATUS_SUCCESS)                                                              \
      ::drumrnn::gpu::throw_gpu_error("cuBLAS",                                                            \
                                      std::string(#call) + ": " + ::drumrnn::gpu::cublas_status_text(drumrnn_st_), \
                                      __FILE__, __LINE__);                                                 \
  } while (0)

// Kernel launches report configuration errors only through cudaGetLastError.
#define DRUMRNN_KERNEL_CHECK() DRUMRNN_CUDA_CHECK(cudaGetLastError())
