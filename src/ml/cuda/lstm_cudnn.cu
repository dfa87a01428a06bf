#include "ml/cuda/lstm_cudnn.cuh"

#include <string>

#include "ml/cuda/kernels.cuh"
#include "ml/trainer_elementwise.h"

namespace drumrnn::gpu {
namespace {

int blocks_for(size_t n) {
  const size_t b = (n + kThreads - 1) / kThreads;
  return int(b < 65535 * 16 ? (b > 0 ? b : 1) : 65535 * 16);
}

__global__ void pack_weights(float* space, const float* params, const int64_t* source, const float* shift, size_t n) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < n; k += size_t(gridDim.x) * blockDim.x)
    space[k] = train::packed_weight(params, source[k], shift[k]);
}

__global__ void unpack_grads(float* grads, const float* dspace, const int64_t* source, size_t n) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < n; k += size_t(gridDim.x) * blockDim.x)
    if (source[k] >= 0) grads[source[k]] = dspace[k];
}

__global__ void densify(float* x, int width, const int32_t* row_start, const int32_t* index, const float* value,
                        int rows) {
  for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x)
    for (int k = row_start[r]; k < row_start[r + 1]; ++k) x[size_t(r) * width + index[k]] = value[k];
}

__global__ void dropout(float* out, const float* in, int rows, int H, const int32_t* row_step, const int32_t* offsets,
                        uint64_t stream_key, int layer, uint32_t threshold, float scale) {
  const size_t n = size_t(rows) * H;
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < n; k += size_t(gridDim.x) * blockDim.x) {
    const int r = int(k / H), u = int(k % H);
    const int t = row_step[r];
    const uint32_t key = train::dropout_row_key(stream_key, layer, uint64_t(r - offsets[t]), t);
    out[k] = in[k] * train::dropout_mask_value(key, u, threshold, scale);
  }
}

}  // namespace

void launch_pack_weights(float* space, const float* params, const int64_t* source, const float* shift, size_t n,
                         cudaStream_t stream) {
  pack_weights<<<blocks_for(n), kThreads, 0, stream>>>(space, params, source, shift, n);
  DRUMRNN_KERNEL_CHECK();
}

void launch_unpack_grads(float* grads, const float* dspace, const int64_t* source, size_t n, cudaStream_t stream) {
  unpack_grads<<<blocks_for(n), kThreads, 0, stream>>>(grads, dspace, source, n);
  DRUMRNN_KERNEL_CHECK();
}

void launch_densify(float* x, int width, const int32_t* row_start, const int32_t* index, const float* value, int rows,
                    cudaStream_t stream) {
  densify<<<blocks_for(size_t(rows)), kThreads, 0, stream>>>(x, width, row_start, index, value, rows);
  DRUMRNN_KERNEL_CHECK();
}

void launch_dropout(float* out, const float* in, int rows, int H, const int32_t* row_step, const int32_t* offsets,
                    uint64_t stream_key, int layer, float keep, cudaStream_t stream) {
  dropout<<<blocks_for(size_t(rows) * H), kThreads, 0, stream>>>(out, in, rows, H, row_step, offsets, stream_key, layer,
                                                                 train::dropout_threshold(keep), 1.0f / keep);
  DRUMRNN_KERNEL_CHECK();
}

CudnnLstmLayer::CudnnLstmLayer(cudnnHandle_t dnn, const train::TfLstmLayer& tf) : dnn_(dnn), tf_(tf) {
  DRUMRNN_CUDNN_CHECK(cudnnCreateRNNDescriptor(&rnn_));
  DRUMRNN_CUDNN_CHECK(cudnnCreateDropoutDescriptor(&dropout_));
  DRUMRNN_CUDNN_CHECK(cudnnCreateRNNDataDescriptor(&x_desc_));
  DRUMRNN_CUDNN_CHECK(cudnnCreateRNNDataDescriptor(&y_desc_));
  DRUMRNN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&h_desc_));
  DRUMRNN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&c_desc_));
  // One layer: cuDNN applies no dropout of its own (ours sits between the layers).
  DRUMRNN_CUDNN_CHECK(cudnnSetDropoutDescriptor(dropout_, dnn_, 0.0f, nullptr, 0, 0));
  // FMA math: float32 throughout, no TF32 tensor cores (the CPU and PyTorch oracles are float32).
  DRUMRNN_CUDNN_CHECK(cudnnSetRNNDescriptor_v8(rnn_, CUDNN_RNN_ALGO_STANDARD, CUDNN_LSTM, CUDNN_RNN_SINGLE_INP_BIAS,
                                               CUDNN_UNIDIRECTIONAL, CUDNN_LINEAR_INPUT, CUDNN_DATA_FLOAT,
                                               CUDNN_DATA_FLOAT, CUDNN_FMA_MATH, tf.in, tf.units, tf.units, 1,
                                               dropout_, CUDNN_RNN_PADDED_IO_DISABLED));
  DRUMRNN_CUDNN_CHECK(cudnnGetRNNWeightSpaceSize(dnn_, rnn_, &space_bytes_));
  space_floats_ = space_bytes_ / sizeof(float);
  space_.reserve(space_floats_);
  dspace_.reserve(space_floats_);

  // Where cuDNN keeps each gate's matrices and biases, as float offsets into the weight space.
  cudnnTensorDescriptor_t m_desc = nullptr, b_desc = nullptr;
  DRUMRNN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&m_desc));
  DRUMRNN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&b_desc));
  std::array<train::CudnnLinLayer, 8> lin;
  std::string error;
  for (int id = 0; id < 8 && error.empty(); ++id) {
    void* m_addr = nullptr;
    void* b_addr = nullptr;
    DRUMRNN_CUDNN_CHECK(
        cudnnGetRNNWeightParams(dnn_, rnn_, 0, space_bytes_, space_.get(), id, m_desc, &m_addr, b_desc, &b_addr));
    if (!m_addr) {
      error = "cuDNN reports no matrix for linLayerID " + std::to_string(id);
      break;
    }
    cudnnDataType_t type;
    int nb = 0, dims[8], strides[8];
    DRUMRNN_CUDNN_CHECK(cudnnGetTensorNdDescriptor(m_desc, 8, &type, &nb, dims, strides));
    size_t elements = 1;
    for (int d = 0; d < nb; ++d) elements *= size_t(dims[d]);
    const size_t want = size_t(tf.units) * size_t(id < 4 ? tf.in : tf.units);
    if (elements != want)
      error = "cuDNN matrix " + std::to_string(id) + " holds " + std::to_string(elements) + " floats, expected " +
              std::to_string(want);
    lin[id].matrix_offset = (static_cast<char*>(m_addr) - reinterpret_cast<char*>(space_.get())) / int64_t(sizeof(float));
    lin[id].bias_offset =
        b_addr ? (static_cast<char*>(b_addr) - reinterpret_cast<char*>(space_.get())) / int64_t(sizeof(float)) : -1;
  }
  cudnnDestroyTensorDescriptor(m_desc);
  cudnnDestroyTensorDescriptor(b_desc);
  if (error.empty() && (lin[0].bias_offset < 0 || lin[1].bias_offset < 0 || lin[2].bias_offset < 0 ||
                        lin[3].bias_offset < 0))
    error = "cuDNN reports no input bias in single-bias mode";
  if (!error.empty()) throw_gpu_error("cuDNN", error, __FILE__, __LINE__);

  const train::CudnnWeightMap map = train::map_tf_to_cudnn(tf, lin, space_floats_);
  source_.reserve(space_floats_);
  shift_.reserve(space_floats_);
  DRUMRNN_CUDA_CHECK(cudaMemcpy(source_.get(), map.source.data(), space_floats_ * sizeof(int64_t), cudaMemcpyHostToDevice));
  DRUMRNN_CUDA_CHECK(cudaMemcpy(shift_.get(), map.shift.data(), space_floats_ * sizeof(float), cudaMemcpyHostToDevice));
}

CudnnLstmLayer::~CudnnLstmLayer() {
  // Teardown: nothing left to report a failure to.
  cudnnDestroyTensorDescriptor(c_desc_);
  cudnnDestroyTensorDescriptor(h_desc_);
  cudnnDestroyRNNDataDescriptor(y_desc_);
  cudnnDestroyRNNDataDescriptor(x_desc_);
  cudnnDestroyDropoutDescriptor(dropout_);
  cudnnDestroyRNNDescriptor(rnn_);
}

size_t CudnnLstmLayer::prepare(const std::vector<int>& lengths, bool training) {
  const int B = int(lengths.size()), T = lengths.front();
  DRUMRNN_CUDNN_CHECK(cudnnSetRNNDataDescriptor(x_desc_, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED, T, B,
                                                tf_.in, lengths.data(), nullptr));
  DRUMRNN_CUDNN_CHECK(cudnnSetRNNDataDescriptor(y_desc_, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED, T, B,
                                                tf_.units, lengths.data(), nullptr));
  const int dims[3] = {1, B, tf_.units}, strides[3] = {B * tf_.units, tf_.units, 1};
  DRUMRNN_CUDNN_CHECK(cudnnSetTensorNdDescriptor(h_desc_, CUDNN_DATA_FLOAT, 3, dims, strides));
  DRUMRNN_CUDNN_CHECK(cudnnSetTensorNdDescriptor(c_desc_, CUDNN_DATA_FLOAT, 3, dims, strides));
  size_t work = 0;
  DRUMRNN_CUDNN_CHECK(cudnnGetRNNTempSpaceSizes(dnn_, rnn_, training ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE,
                                                x_desc_, &work, &reserve_bytes_));
  reserve_.reserve(reserve_bytes_);
  return work;
}

void CudnnLstmLayer::pack(const float* params, cudaStream_t stream) {
  launch_pack_weights(space_.get(), params, source_.get(), shift_.get(), space_floats_, stream);
}

void CudnnLstmLayer::forward(const int32_t* dev_lengths, const float* x, float* y, bool training, void* work,
                             size_t work_bytes) {
  // hx, cx null: zero initial state; hy, cy null: the final state is not needed.
  DRUMRNN_CUDNN_CHECK(cudnnRNNForward(dnn_, rnn_, training ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE,
                                      dev_lengths, x_desc_, x, y_desc_, y, h_desc_, nullptr, nullptr, c_desc_, nullptr,
                                      nullptr, space_bytes_, space_.get(), work_bytes, work,
                                      training ? reserve_bytes_ : 0, training ? reserve_.get() : nullptr));
}

void CudnnLstmLayer::backward(const int32_t* dev_lengths, const float* x, const float* y, const float* dy, float* dx,
                              float* grads, void* work, size_t work_bytes, cudaStream_t stream) {
  DRUMRNN_CUDNN_CHECK(cudnnRNNBackwardData_v8(dnn_, rnn_, dev_lengths, y_desc_, y, dy, x_desc_, dx, h_desc_, nullptr,
                                              nullptr, nullptr, c_desc_, nullptr, nullptr, nullptr, space_bytes_,
                                              space_.get(), work_bytes, work, reserve_bytes_, reserve_.get()));
  dspace_.zero(space_floats_, stream);  // cuDNN adds into the weight gradients
  DRUMRNN_CUDNN_CHECK(cudnnRNNBackwardWeights_v8(dnn_, rnn_, CUDNN_WGRAD_MODE_ADD, dev_lengths, x_desc_, x, h_desc_,
                                                 nullptr, y_desc_, y, space_bytes_, dspace_.get(), work_bytes, work,
                                                 reserve_bytes_, reserve_.get()));
  launch_unpack_grads(grads, dspace_.get(), source_.get(), space_floats_, stream);
}

}  // namespace drumrnn::gpu
