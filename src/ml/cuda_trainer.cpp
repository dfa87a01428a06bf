#ifdef DRUMRNN_HAVE_CUDA
#include "ml/cuda_trainer.h"

namespace drumrnn {

int cuda_device_count(std::string& why_none);  // ml/cuda/device_query.cu

bool cuda_trainer_available(const DrumRnn&, std::string& why) {
  if (cuda_device_count(why) == 0) return false;
  why = "the cuDNN trainer is not part of this build yet; use --device cpu";
  return false;
}

std::unique_ptr<Trainer> make_cuda_trainer(DrumRnn& model, const TrainOptions&) {
  std::string why;
  cuda_trainer_available(model, why);
  throw DeviceError("--device cuda: " + why);
}

}  // namespace drumrnn
#endif
