// Status checks for every CUDA, cuDNN, cuBLAS and cuFFT call of the style path: a failure throws
// std::runtime_error naming the call's file and line and the library's own message.
// (ml/cuda/check.h from the GPU trainer does the same for the RNN; a merge may fold the two.)
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <cufft.h>

#include <stdexcept>
#include <string>

namespace drumrnn::style::gpu {

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

}  // namespace drumrnn::style::gpu

#define STYLE_CUDA_CHECK(call)                                                                          \
  do {                                                                                                  \
    const cudaError_t style_err_ = (call);                                                              \
    if (style_err_ != cudaSuccess)                                                                      \
      ::drumrnn::style::gpu::throw_gpu_error("CUDA", std::string(#call) + ": " + cudaGetErrorString(style_err_), \
                                             __FILE__, __LINE__);                                       \
  } while (0)

#define STYLE_CUDNN_CHECK(call)                                                                         \
  do {                                                                                                  \
    const cudnnStatus_t style_st_ = (call);                                                             \
    if (style_st_ != CUDNN_STATUS_SUCCESS)                                                              \
      ::drumrnn::style::gpu::throw_gpu_error("cuDNN", std::string(#call) + ": " + cudnnGetErrorString(style_st_), \
                                             __FILE__, __LINE__);                                       \
  } while (0)

#define STYLE_CUBLAS_CHECK(call)                                                                        \
  do {                                                                                                  \
    const cublasStatus_t style_st_ = (call);                                                            \
    if (style_st_ != CUBLAS_STATUS_SUCCESS)                                                             \
      ::drumrnn::style::gpu::throw_gpu_error(                                                           \
          "cuBLAS", std::string(#call) + ": " + ::drumrnn::style::gpu::cublas_status_text(style_st_),   \
          __FILE__, __LINE__);                                                                          \
  } while (0)

#define STYLE_CUFFT_CHECK(call)                                                                         \
  do {                                                                                                  \
    const cufftResult style_st_ = (call);                                                               \
    if (style_st_ != CUFFT_SUCCESS)                                                                     \
      ::drumrnn::style::gpu::throw_gpu_error("cuFFT", std::string(#call) + ": status " + std::to_string(int(style_st_)), \
                                             __FILE__, __LINE__);                                       \
  } while (0)

// Kernel launches report configuration errors only through cudaGetLastError.
#define STYLE_KERNEL_CHECK() STYLE_CUDA_CHECK(cudaGetLastError())
