// One training step on the GPU: the batch's sparse inputs densified for layer 0, each LSTM layer on
// cuDNN (ml/cuda/lstm_cudnn.cuh) with our dropout between layers, the output layer on cuBLAS, the
// loss on our kernels, then backward through the same path; clipping and Adam on the flat buffer.
// Everything runs on one stream; each step synchronizes once, to hand the loss and the gradient
// norms to the host (the Trainer decides there whether the update is applied, as the CPU does).
#include "ml/cuda/train_engine.h"

#include <algorithm>
#include <cublas_v2.h>
#include <cudnn.h>

#include "ml/cuda/check.h"
#include "ml/cuda/device_array.cuh"
#include "ml/cuda/kernels.cuh"
#include "ml/cuda/lstm_cudnn.cuh"

namespace drumrnn {
std::string cuda_describe_device(int index);  // ml/cuda/device_query.cu
}

namespace drumrnn::gpu {

struct TrainEngine::Impl {
  EngineShape shape;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  cudnnHandle_t dnn = nullptr;
  std::vector<std::unique_ptr<CudnnLstmLayer>> layers;
  DeviceArray<float> params, grads, m, v, one;
  DeviceArray<int64_t> tensor_offsets, tensor_sizes;
  bool packed = false;  // the cuDNN weight spaces hold the current parameters

  // Per batch (grown, never shrunk).
  DeviceArray<int32_t> lengths, offsets, row_step, row_start, index, labels;
  DeviceArray<float> value, x0, logits, ones, dbuf[2];
  std::vector<std::unique_ptr<DeviceArray<float>>> y, out;  // per layer: cell output, after dropout
  DeviceArray<double> row_loss, stats;
  DeviceArray<uint8_t> hits;
  DeviceArray<char> work;

  ~Impl() {
    layers.clear();
    if (dnn) cudnnDestroy(dnn);
    if (blas) cublasDestroy(blas);
    if (stream) cudaStreamDestroy(stream);
  }
  void sync() { DRUMRNN_CUDA_CHECK(cudaStreamSynchronize(stream)); }
  void pack() {
    if (packed) return;
    for (size_t l = 0; l < layers.size(); ++l) layers[l]->pack(params.get(), stream);
    packed = true;
  }
};

TrainEngine::TrainEngine(const EngineShape& shape) : impl_(std::make_unique<Impl>()) {
  Impl& e = *impl_;
  e.shape = shape;
  DRUMRNN_CUDA_CHECK(cudaSetDevice(0));
  DRUMRNN_CUDA_CHECK(cudaStreamCreateWithFlags(&e.stream, cudaStreamNonBlocking));
  DRUMRNN_CUBLAS_CHECK(cublasCreate(&e.blas));
  DRUMRNN_CUBLAS_CHECK(cublasSetStream(e.blas, e.stream));
  DRUMRNN_CUBLAS_CHECK(cublasSetMathMode(e.blas, CUBLAS_PEDANTIC_MATH));  // float32, no TF32
  DRUMRNN_CUDNN_CHECK(cudnnCreate(&e.dnn));
  DRUMRNN_CUDNN_CHECK(cudnnSetStream(e.dnn, e.stream));
  for (const EngineLayer& l : shape.layers) {
    e.layers.push_back(std::make_unique<CudnnLstmLayer>(
        e.dnn, train::TfLstmLayer{l.in, l.units, l.kernel_offset, l.bias_offset}));
    e.y.push_back(std::make_unique<DeviceArray<float>>());
    e.out.push_back(std::make_unique<DeviceArray<float>>());
  }
  e.params.reserve(shape.total);
  e.grads.reserve(shape.total);
  e.m.reserve(shape.total);
  e.v.reserve(shape.total);
  e.m.zero(shape.total, e.stream);
  e.v.zero(shape.total, e.stream);
  e.grads.zero(shape.total, e.stream);
  const float one = 1.0f;
  e.one.upload(&one, 1, e.stream);
  std::vector<int64_t> offsets(shape.tensor_offsets.begin(), shape.tensor_offsets.end());
  std::vector<int64_t> sizes(shape.tensor_sizes.begin(), shape.tensor_sizes.end());
  e.tensor_offsets.upload(offsets.data(), offsets.size(), e.stream);
  e.tensor_sizes.upload(sizes.data(), sizes.size(), e.stream);
  e.stats.reserve(4 + sizes.size());
  e.sync();
}

TrainEngine::~TrainEngine() = default;

std::string TrainEngine::device_name() const { return "cuda:0 (" + cuda_describe_device(0) + ")"; }

void TrainEngine::upload_params(const float* params) {
  impl_->params.upload(params, impl_->shape.total, impl_->stream);
  impl_->packed = false;
  impl_->sync();
}

void TrainEngine::download_params(float* params) {
  impl_->params.download(params, impl_->shape.total, impl_->stream);
  impl_->sync();
}

void TrainEngine::upload_moments(const float* m, const float* v) {
  impl_->m.upload(m, impl_->shape.total, impl_->stream);
  impl_->v.upload(v, impl_->shape.total, impl_->stream);
  impl_->sync();
}

void TrainEngine::download_moments(float* m, float* v) {
  impl_->m.download(m, impl_->shape.total, impl_->stream);
  impl_->v.download(v, impl_->shape.total, impl_->stream);
  impl_->sync();
}

void TrainEngine::download_grads(float* grads) {
  impl_->grads.download(grads, impl_->shape.total, impl_->stream);
  impl_->sync();
}

EngineTotals TrainEngine::run(const EngineBatch& b, float keep, uint64_t dropout_stream, float grad_scale,
                              uint8_t* hits, float* logits_out) {
  Impl& e = *impl_;
  const EngineShape& s = e.shape;
  const int rows = b.rows, C = s.num_classes, L = int(s.layers.size());
  const bool training = grad_scale > 0, dropout = keep < 1.0f;
  const size_t tensors = s.tensor_sizes.size();
  EngineTotals totals;
  if (rows == 0 || b.lengths.empty()) {
    if (training) {
      e.grads.zero(s.total, e.stream);
      totals.tensor_square_sums.assign(tensors, 0.0);
    }
    e.sync();
    return totals;
  }
  e.pack();

  // The batch: CSR inputs, labels, lengths, and each row's step (for the dropout keys).
  std::vector<int32_t> row_step(rows);
  for (int t = 0; t < b.max_len; ++t) std::fill(row_step.begin() + b.offsets[t], row_step.begin() + b.offsets[t + 1], t);
  const size_t nnz = size_t(b.row_start[rows]);
  e.lengths.upload(b.lengths.data(), b.lengths.size(), e.stream);
  e.offsets.upload(b.offsets, size_t(b.max_len) + 1, e.stream);
  e.row_step.upload(row_step.data(), rows, e.stream);
  e.row_start.upload(b.row_start, size_t(rows) + 1, e.stream);
  e.index.upload(b.index, nnz, e.stream);
  e.value.upload(b.value, nnz, e.stream);
  e.labels.upload(b.labels, rows, e.stream);
  e.x0.reserve(size_t(rows) * b.width);
  e.x0.zero(size_t(rows) * b.width, e.stream);
  launch_densify(e.x0.get(), b.width, e.row_start.get(), e.index.get(), e.value.get(), rows, e.stream);

  size_t work_bytes = 0;
  for (auto& layer : e.layers) work_bytes = std::max(work_bytes, layer->prepare(b.lengths, training));
  e.work.reserve(std::max<size_t>(work_bytes, 1));

  // Forward.
  std::vector<const float*> layer_in(L), layer_out(L);
  const float* cur = e.x0.get();
  for (int l = 0; l < L; ++l) {
    const int H = s.layers[l].units;
    e.y[l]->reserve(size_t(rows) * H);
    e.layers[l]->forward(e.lengths.get(), cur, e.y[l]->get(), training, e.work.get(), work_bytes);
    layer_in[l] = cur;
    cur = e.y[l]->get();
    if (dropout) {
      e.out[l]->reserve(size_t(rows) * H);
      launch_dropout(e.out[l]->get(), cur, rows, H, e.row_step.get(), e.offsets.get(), dropout_stream, l, keep,
                     e.stream);
      cur = e.out[l]->get();
    }
    layer_out[l] = cur;
  }
  const int H_last = s.layers.back().units;
  const float one = 1.0f, zero = 0.0f;
  e.logits.reserve(size_t(rows) * C);
  launch_bias_rows(e.logits.get(), e.params.get() + s.fc_biases_offset, rows, C, e.stream);
  // Row-major logits [rows, C] = out [rows, H] · W [H, C] + b, as column-major C×rows.
  DRUMRNN_CUBLAS_CHECK(cublasSgemm(e.blas, CUBLAS_OP_N, CUBLAS_OP_N, C, rows, H_last, &one,
                                   e.params.get() + s.fc_weights_offset, C, cur, H_last, &one, e.logits.get(), C));
  if (logits_out) e.logits.download(logits_out, size_t(rows) * C, e.stream);

  e.row_loss.reserve(rows);
  e.hits.reserve(rows);
  launch_xent_rows(e.logits.get(), e.labels.get(), rows, C, training ? grad_scale : 0.0f, e.row_loss.get(),
                   e.hits.get(), e.stream);
  launch_xent_totals(e.row_loss.get(), e.hits.get(), e.labels.get(), rows, e.stats.get(), e.stream);

  if (training) {
    const float* dz = e.logits.get();  // d(loss)/d(logits), in place
    float* g = e.grads.get();
    // dW [H, C] = out^T · dZ; db = Σ rows dZ; d_out [rows, H] = dZ · W^T.
    DRUMRNN_CUBLAS_CHECK(cublasSgemm(e.blas, CUBLAS_OP_N, CUBLAS_OP_T, C, H_last, rows, &one, dz, C, cur, H_last, &zero,
                                     g + s.fc_weights_offset, C));
    e.ones.reserve(rows);
    launch_bias_rows(e.ones.get(), e.one.get(), rows, 1, e.stream);
    DRUMRNN_CUBLAS_CHECK(
        cublasSgemv(e.blas, CUBLAS_OP_N, C, rows, &one, dz, C, e.ones.get(), 1, &zero, g + s.fc_biases_offset, 1));
    int widest = b.width;
    for (const EngineLayer& l : s.layers) widest = std::max(widest, std::max(l.in, l.units));
    e.dbuf[0].reserve(size_t(rows) * widest);
    e.dbuf[1].reserve(size_t(rows) * widest);
    int d = 0;  // dbuf[d] holds d(loss)/d(layer output)
    DRUMRNN_CUBLAS_CHECK(cublasSgemm(e.blas, CUBLAS_OP_T, CUBLAS_OP_N, H_last, rows, C, &one,
                                     e.params.get() + s.fc_weights_offset, C, dz, C, &zero, e.dbuf[d].get(), H_last));
    for (int l = L - 1; l >= 0; --l) {
      const int H = s.layers[l].units;
      float* dy = e.dbuf[d].get();
      // Through the dropout: the same mask, recomputed from its key.
      if (dropout)
        launch_dropout(dy, dy, rows, H, e.row_step.get(), e.offsets.get(), dropout_stream, l, keep, e.stream);
      e.layers[l]->backward(e.lengths.get(), layer_in[l], e.y[l]->get(), dy, e.dbuf[1 - d].get(), g, e.work.get(),
                            work_bytes, e.stream);
      d = 1 - d;
    }
    launch_square_sums(g, e.tensor_offsets.get(), e.tensor_sizes.get(), int(tensors), e.stats.get() + 4, e.stream);
  }

  std::vector<double> host(4 + (training ? tensors : 0));
  e.stats.download(host.data(), host.size(), e.stream);
  if (hits) e.hits.download(hits, rows, e.stream);
  e.sync();
  totals.loss_sum = host[0];
  totals.correct = int64_t(host[1]);
  totals.event_correct = int64_t(host[2]);
  totals.no_event_correct = int64_t(host[3]);
  if (training) totals.tensor_square_sums.assign(host.begin() + 4, host.end());
  return totals;
}

void TrainEngine::adam(const std::vector<float>& clip_scales, float lr_t, float beta1, float beta2, float epsilon) {
  Impl& e = *impl_;
  for (size_t i = 0; i < e.shape.tensor_sizes.size(); ++i) {
    const size_t off = e.shape.tensor_offsets[i];
    launch_adam(e.params.get() + off, e.m.get() + off, e.v.get() + off, e.grads.get() + off, e.shape.tensor_sizes[i],
                clip_scales[i], beta1, beta2, epsilon, lr_t, e.stream);
  }
  e.packed = false;
  // No sync: the next step's work queues behind the update on the same stream.
}

void TrainEngine::poison() {
  Impl& e = *impl_;
  e.grads.poison(e.stream);
  e.logits.poison(e.stream);
  e.dbuf[0].poison(e.stream);
  e.dbuf[1].poison(e.stream);
  e.row_loss.poison(e.stream);
  for (auto& y : e.y) y->poison(e.stream);
  for (auto& o : e.out) o->poison(e.stream);
  for (auto& layer : e.layers) layer->poison(e.stream);
  e.sync();
}

}  // namespace drumrnn::gpu
