// The GPU trainer behind the Trainer seam: cuDNN's LSTM, cuBLAS's output layer, our own kernels for
// the loss, dropout, clipping and Adam (ml/cuda/). Only make_trainer() uses this header, and only in
// builds with CUDA (DRUMRNN_HAVE_CUDA).
#pragma once
#include <memory>
#include <string>

#include "ml/trainer.h"

namespace drumrnn {

// Whether make_cuda_trainer can train `model` here; when not, `why` says why in one phrase (no
// device, or a model the GPU trainer does not support).
bool cuda_trainer_available(const DrumRnn& model, std::string& why);

// Throws DeviceError when cuda_trainer_available is false, std::runtime_error (file:line and the
// library's message) when a CUDA, cuDNN or cuBLAS call fails.
std::unique_ptr<Trainer> make_cuda_trainer(DrumRnn& model, const TrainOptions& options);

}  // namespace drumrnn
