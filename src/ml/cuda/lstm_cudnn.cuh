// One LSTM layer on cuDNN's RNN v8 API over a packed batch (CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED:
// the rows of step t are the sequences still running, longest first, exactly PackedBatch's order).
// The layer owns its cuDNN weight space, packed from the TF-layout parameters by the index map of
// ml/cuda/cudnn_weight_map.h, and unpacks its weight gradients back into the TF layout. One cuDNN
// RNN per layer (not one stack) so that dropout between layers is ours, with the CPU's masks.
#pragma once
#include <cudnn.h>

#include <cstdint>
#include <vector>

#include "ml/cuda/cudnn_weight_map.h"
#include "ml/cuda/device_array.cuh"

namespace drumrnn::gpu {

class CudnnLstmLayer {
 public:
  CudnnLstmLayer(cudnnHandle_t dnn, const train::TfLstmLayer& tf);
  ~CudnnLstmLayer();
  CudnnLstmLayer(const CudnnLstmLayer&) = delete;
  CudnnLstmLayer& operator=(const CudnnLstmLayer&) = delete;

  // Describes the batch (host lengths, descending, all > 0) and returns the workspace it needs for
  // the given mode; grows the reserve space.
  size_t prepare(const std::vector<int>& lengths, bool training);
  // weight space := the TF parameters (after every update).
  void pack(const float* params, cudaStream_t stream);
  // y [rows, H] from x [rows, in]; training keeps what backward needs in the reserve space.
  void forward(const int32_t* dev_lengths, const float* x, float* y, bool training, void* work, size_t work_bytes);
  // dx [rows, in] from dy [rows, H]; the weight gradients go to `grads` (TF layout, overwritten).
  void backward(const int32_t* dev_lengths, const float* x, const float* y, const float* dy, float* dx, float* grads,
                void* work, size_t work_bytes, cudaStream_t stream);
  // NaN into the weight gradients (tests).
  void poison(cudaStream_t stream) { dspace_.poison(stream); }

 private:
  cudnnHandle_t dnn_;
  train::TfLstmLayer tf_;
  cudnnRNNDescriptor_t rnn_ = nullptr;
  cudnnDropoutDescriptor_t dropout_ = nullptr;
  cudnnRNNDataDescriptor_t x_desc_ = nullptr, y_desc_ = nullptr;
  cudnnTensorDescriptor_t h_desc_ = nullptr, c_desc_ = nullptr;
  size_t space_bytes_ = 0, space_floats_ = 0, reserve_bytes_ = 0;
  DeviceArray<float> space_, dspace_, shift_;
  DeviceArray<int64_t> source_;
  DeviceArray<char> reserve_;
};

}  // namespace drumrnn::gpu
