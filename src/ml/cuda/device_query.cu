// Asks the CUDA runtime which GPUs are usable. The CPU build has no such file; callers go through
// ml/device.h, which is the only place that knows whether CUDA is built in.
#include <cuda_runtime.h>
#include <cudnn.h>

#include <string>

namespace drumrnn {

int cuda_device_count(std::string& why_none) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    why_none = std::string("no usable CUDA device: ") + cudaGetErrorString(err);
    return 0;
  }
  if (count == 0) why_none = "no CUDA device present";
  return count;
}

std::string cuda_describe_device(int index) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) return "unknown device";
  return std::string(prop.name) + ", " + std::to_string(prop.totalGlobalMem >> 20) + " MiB, cuDNN " +
         std::to_string(cudnnGetVersion());
}

}  // namespace drumrnn
