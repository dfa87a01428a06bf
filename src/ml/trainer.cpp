#include "ml/trainer.h"

#include "ml/cpu_trainer.h"
#ifdef DRUMRNN_HAVE_CUDA
#include "ml/cuda_trainer.h"
#endif

namespace drumrnn {

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda") return Device::cuda;
  if (name == "auto") return Device::automatic;
  throw std::invalid_argument("unknown device '" + name + "' (expected cpu, cuda or auto)");
}

std::unique_ptr<Trainer> make_trainer(Device device, DrumRnn& model, const TrainOptions& options,
                                      std::string* choice) {
  if (choice) choice->clear();
  if (device == Device::cpu) return std::make_unique<CpuTrainer>(model, options, options.threads);
  if (model.has_attention()) {  // the cuDNN trainer runs plain LSTM stacks only
    if (device == Device::cuda)
      throw DeviceError("--device cuda: attention (attn_length > 0) trains on the CPU only; use --device cpu");
    if (choice) *choice = "--device auto: attention trains on the CPU only, so training on the CPU";
    return std::make_unique<CpuTrainer>(model, options, options.threads);
  }
#ifdef DRUMRNN_HAVE_CUDA
  std::string why;
  const bool have_gpu = cuda_trainer_available(model, why);
  if (device == Device::cuda) {
    if (!have_gpu) throw DeviceError("--device cuda: " + why);
    return make_cuda_trainer(model, options);
  }
  if (have_gpu) {
    try {
      auto trainer = make_cuda_trainer(model, options);
      if (choice) *choice = "--device auto: training on the GPU";
      return trainer;
    } catch (const std::runtime_error& e) {
      // A GPU that cannot take this model (memory, a cuDNN refusal): the CPU trains it the same way.
      why = std::string("the GPU trainer failed (") + e.what() + ")";
    }
  }
#else
  const std::string why = "this drumrnn was built without CUDA (nvcc and cuDNN were not found)";
  if (device == Device::cuda) throw DeviceError("--device cuda: " + why);
#endif
  auto trainer = std::make_unique<CpuTrainer>(model, options, options.threads);
  if (choice) *choice = "--device auto: " + why + ", so training on the CPU";
  return trainer;
}

}  // namespace drumrnn
