#include "ml/trainer.h"

#include "ml/cpu_trainer.h"

namespace drumrnn {

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda") return Device::cuda;
  if (name == "auto") return Device::automatic;
  throw std::invalid_argument("unknown device '" + name + "' (expected cpu, cuda or auto)");
}

#ifdef DRUMRNN_HAVE_CUDA
int cuda_device_count(std::string& why_none);  // ml/cuda/device_query.cu
#endif

std::unique_ptr<Trainer> make_trainer(Device device, DrumRnn& model, const TrainOptions& options) {
  if (device == Device::cuda && model.has_attention())
    throw DeviceError("--device cuda: attention (attn_length > 0) trains on the CPU only; use --device cpu");
  if (device == Device::cuda) {
#ifdef DRUMRNN_HAVE_CUDA
    std::string why;
    if (cuda_device_count(why) == 0) throw DeviceError("--device cuda: " + why);
    throw DeviceError("--device cuda: the cuDNN trainer is not part of this build yet (GPU issue); use --device cpu");
#else
    throw DeviceError("--device cuda: this drumrnn was built without CUDA (nvcc and cuDNN were not found)");
#endif
  }
  return std::make_unique<CpuTrainer>(model, options, options.threads);
}

}  // namespace drumrnn
