// StyleLoss's device side, shared by the loss (style_loss.cu) and the device L-BFGS (lbfgs.cu).
#pragma once
#include <cublas_v2.h>
#include <cudnn.h>

#include "style/cuda/device_buffer.cuh"
#include "style/cuda/gpu_style.h"

namespace drumrnn::style::gpu {

struct StyleLoss::Impl {
  NetworkShape shape;
  int frames = 0, out_frames = 0;  // T and T' = T − K + 1
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnTensorDescriptor_t x_desc = nullptr, z_desc = nullptr;
  cudnnFilterDescriptor_t w_desc = nullptr;
  cudnnConvolutionDescriptor_t conv_desc = nullptr;
  cudnnConvolutionFwdAlgo_t fwd_algo{};
  cudnnConvolutionBwdDataAlgo_t bwd_algo{};
  DeviceBuffer<float> weights;      // F × C × 1 × K
  DeviceBuffer<float> content;      // Ac: F × T' (cuDNN NCHW output, row f holds time)
  DeviceBuffer<float> style_gram;   // Gs: F × F
  DeviceBuffer<float> features;     // A (ReLU applied in place of Z; A > 0 exactly where Z > 0)
  DeviceBuffer<float> gram;         // G, then E = G − Gs in place
  DeviceBuffer<float> feature_grad; // dL/dA, then dL/dZ in place
  DeviceBuffer<float> workspace;
  size_t workspace_bytes = 0;
  DeviceBuffer<double> partial;     // block sums
  DeviceBuffer<double> loss;        // [0] the loss of the latest evaluation
  DeviceBuffer<float> host_x, host_grad;  // C × T staging for evaluate()

  ~Impl();
  // x, grad: C × T (cuDNN NCHW 1×C×1×T) on the device. Writes the loss to loss[0]; no host sync.
  void evaluate_device(const float* x, float* grad);
  // ReLU(conv(x)) into out (F × t_out) for a clip of t frames (targets; allocates descriptors).
  void features_of(const float* x, int t, float* out);
};

}  // namespace drumrnn::style::gpu
