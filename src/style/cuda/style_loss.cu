// The style loss and its gradient on the device: cuDNN for the convolution (forward) and its input
// gradient (backward-data), cuBLAS for the Gram AᵀA/T and its gradient A·(G − Gs), our kernels for
// ReLU, the mask and the loss sums (each element's work is a function from style/style_elementwise.h).
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "style/cuda/style_loss_impl.cuh"
#include "style/style_elementwise.h"

namespace drumrnn::style::gpu {
namespace {

constexpr size_t kWorkspaceCap = size_t(1) << 30;  // 1 GiB: more buys cuDNN nothing at these sizes

__global__ void relu_inplace(size_t n, float* z) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    z[i] = relu(z[i]);
}

// grad = 2α(A − Ac); partial sums of α(A − Ac)².
__global__ void content_terms(size_t n, const float* a, const float* target, float alpha, float* grad,
                              double* partial) {
  double sum = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    grad[i] = content_grad_term(a[i], target[i], alpha);
    sum += content_loss_term(a[i], target[i], alpha);
  }
  block_sum_to(sum, partial);
}

// G := G − Gs in place; partial sums of (G − Gs)².
__global__ void style_terms(size_t n, float* g, const float* target, double* partial) {
  double sum = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    sum += style_loss_term(g[i], target[i]);
    g[i] = gram_diff(g[i], target[i]);
  }
  block_sum_to(sum, partial);
}

// dL/dZ = dL/dA where Z > 0; A = ReLU(Z) is positive exactly there.
__global__ void mask_inplace(size_t n, const float* a, float* grad) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    grad[i] = relu_mask(a[i], grad[i]);
}

void make_tensor(cudnnTensorDescriptor_t& d, int channels, int width) {
  if (!d) STYLE_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
  STYLE_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, channels, 1, width));
}

// The fastest measured algorithm that is deterministic (so a run repeats exactly: some backward-data
// algorithms add with atomics) and, for parity, uses no tensor-core math unless TF32 is allowed;
// failing a deterministic one, the fastest allowed. perf is sorted fastest first.
template <typename Perf>
int pick_algorithm(const Perf* perf, int found, bool allow_tf32) {
  int fallback = -1;
  for (int i = 0; i < found; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    const bool tensor_ops = perf[i].mathType == CUDNN_TENSOR_OP_MATH ||
                            perf[i].mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    if (tensor_ops && !allow_tf32) continue;
    if (perf[i].determinism == CUDNN_DETERMINISTIC) return i;
    if (fallback < 0) fallback = i;
  }
  return fallback;
}

// Frame-major host T × C to the device's channel-major C × T (and back).
std::vector<float> to_channel_major(const float* x, int t, int c) {
  std::vector<float> out(size_t(t) * c);
  for (int i = 0; i < t; ++i)
    for (int j = 0; j < c; ++j) out[size_t(j) * t + i] = x[size_t(i) * c + j];
  return out;
}

}  // namespace

StyleLoss::Impl::~Impl() {
  if (x_desc) cudnnDestroyTensorDescriptor(x_desc);
  if (z_desc) cudnnDestroyTensorDescriptor(z_desc);
  if (w_desc) cudnnDestroyFilterDescriptor(w_desc);
  if (conv_desc) cudnnDestroyConvolutionDescriptor(conv_desc);
  if (cublas) cublasDestroy(cublas);
  if (cudnn) cudnnDestroy(cudnn);
}

void StyleLoss::Impl::features_of(const float* x, int t, float* out) {
  cudnnTensorDescriptor_t in = nullptr, z = nullptr;
  make_tensor(in, shape.channels, t);
  make_tensor(z, shape.filters, t - shape.kernel_width + 1);
  // A clip of another length gets the heuristics' choice (targets are computed once, speed is moot).
  cudnnConvolutionFwdAlgoPerf_t perf[8];
  int found = 0;
  STYLE_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(cudnn, in, w_desc, conv_desc, z, 8, &found, perf));
  const float one = 1.0f, zero = 0.0f;
  bool done = false;
  for (int i = 0; i < found && !done; ++i) {
    size_t bytes = 0;
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    if (cudnnGetConvolutionForwardWorkspaceSize(cudnn, in, w_desc, conv_desc, z, perf[i].algo, &bytes) !=
            CUDNN_STATUS_SUCCESS ||
        bytes > workspace_bytes)
      continue;
    STYLE_CUDNN_CHECK(cudnnConvolutionForward(cudnn, &one, in, x, w_desc, weights.get(), conv_desc, perf[i].algo,
                                              workspace.get(), workspace_bytes, &zero, z, out));
    done = true;
  }
  cudnnDestroyTensorDescriptor(in);
  cudnnDestroyTensorDescriptor(z);
  if (!done) throw std::runtime_error("cuDNN: no forward convolution algorithm fits the workspace");
  const size_t n = size_t(shape.filters) * (t - shape.kernel_width + 1);
  relu_inplace<<<blocks_for(n), kThreads>>>(n, out);
  STYLE_KERNEL_CHECK();
}

void StyleLoss::Impl::evaluate_device(const float* x, float* grad) {
  const float one = 1.0f, zero = 0.0f;
  const size_t nz = size_t(shape.filters) * out_frames, ng = size_t(shape.filters) * shape.filters;
  const int nf = shape.filters;
  STYLE_CUDNN_CHECK(cudnnConvolutionForward(cudnn, &one, x_desc, x, w_desc, weights.get(), conv_desc, fwd_algo,
                                            workspace.get(), workspace_bytes, &zero, z_desc, features.get()));
  relu_inplace<<<blocks_for(nz), kThreads>>>(nz, features.get());
  STYLE_KERNEL_CHECK();
  // Column-major view: features is T' × F (column f = filter f's time series), so G = MᵀM / T.
  const float inv_t = 1.0f / float(frames);
  STYLE_CUBLAS_CHECK(cublasSgemm(cublas, CUBLAS_OP_T, CUBLAS_OP_N, nf, nf, out_frames, &inv_t, features.get(),
                                 out_frames, features.get(), out_frames, &zero, gram.get(), nf));
  content_terms<<<kReduceBlocks, kThreads>>>(nz, features.get(), content.get(), shape.alpha, feature_grad.get(),
                                             partial.get());
  STYLE_KERNEL_CHECK();
  finish_sum<<<1, kThreads>>>(partial.get(), kReduceBlocks, loss.get(), false);
  STYLE_KERNEL_CHECK();
  style_terms<<<kReduceBlocks, kThreads>>>(ng, gram.get(), style_gram.get(), partial.get());
  STYLE_KERNEL_CHECK();
  finish_sum<<<1, kThreads>>>(partial.get(), kReduceBlocks, loss.get(), true);
  STYLE_KERNEL_CHECK();
  // dL/dA += (4/T)·A·(G − Gs)  (G − Gs is symmetric).
  const float four_over_t = 4.0f / float(frames);
  STYLE_CUBLAS_CHECK(cublasSgemm(cublas, CUBLAS_OP_N, CUBLAS_OP_N, out_frames, nf, nf, &four_over_t, features.get(),
                                 out_frames, gram.get(), nf, &one, feature_grad.get(), out_frames));
  mask_inplace<<<blocks_for(nz), kThreads>>>(nz, features.get(), feature_grad.get());
  STYLE_KERNEL_CHECK();
  STYLE_CUDNN_CHECK(cudnnConvolutionBackwardData(cudnn, &one, w_desc, weights.get(), z_desc, feature_grad.get(),
                                                 conv_desc, bwd_algo, workspace.get(), workspace_bytes, &zero, x_desc,
                                                 grad));
}

StyleLoss::StyleLoss(const NetworkShape& shape, const float* weights, const StyleClip& content,
                     const std::vector<StyleClip>& styles)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.shape = shape;
  const int c = shape.channels, f = shape.filters, k = shape.kernel_width;
  if (c <= 0 || f <= 0 || k <= 0) throw std::invalid_argument("GPU style: channels, filters and kernel width must be positive");
  if (content.frames < k) throw std::invalid_argument("GPU style: the content is shorter than the kernel width");
  if (styles.empty()) throw std::invalid_argument("GPU style: no style clip");
  for (const auto& s : styles)
    if (s.frames < k) throw std::invalid_argument("GPU style: a style clip is shorter than the kernel width");
  m.frames = content.frames;
  m.out_frames = content.frames - k + 1;
  STYLE_CUDNN_CHECK(cudnnCreate(&m.cudnn));
  STYLE_CUBLAS_CHECK(cublasCreate(&m.cublas));
  STYLE_CUBLAS_CHECK(cublasSetMathMode(m.cublas, shape.allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH));
  make_tensor(m.x_desc, c, m.frames);
  make_tensor(m.z_desc, f, m.out_frames);
  STYLE_CUDNN_CHECK(cudnnCreateFilterDescriptor(&m.w_desc));
  STYLE_CUDNN_CHECK(cudnnSetFilter4dDescriptor(m.w_desc, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, f, c, 1, k));
  STYLE_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&m.conv_desc));
  STYLE_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(m.conv_desc, 0, 0, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION,
                                                    CUDNN_DATA_FLOAT));
  STYLE_CUDNN_CHECK(cudnnSetConvolutionMathType(m.conv_desc, shape.allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));

  m.weights.upload(weights, size_t(f) * c * k);
  const size_t nz = size_t(f) * m.out_frames, ng = size_t(f) * f;
  m.features.resize(nz);
  m.feature_grad.resize(nz);
  m.content.resize(nz);
  m.gram.resize(ng);
  m.style_gram.resize(ng);
  m.partial.resize(kReduceBlocks);
  m.loss.resize(1);
  m.host_x.resize(size_t(c) * m.frames);
  m.host_grad.resize(size_t(c) * m.frames);

  // Algorithms: measured once on the real buffers (cudnnFind*Ex), within a workspace cap.
  size_t free_bytes = 0, total_bytes = 0;
  STYLE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  m.workspace_bytes = std::min(kWorkspaceCap, free_bytes / 4);
  m.workspace.resize(m.workspace_bytes / sizeof(float));
  STYLE_CUDA_CHECK(cudaMemset(m.host_x.get(), 0, m.host_x.size() * sizeof(float)));
  {
    cudnnConvolutionFwdAlgoPerf_t perf[16];
    int found = 0;
    STYLE_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(m.cudnn, m.x_desc, m.host_x.get(), m.w_desc,
                                                             m.weights.get(), m.conv_desc, m.z_desc, m.features.get(),
                                                             16, &found, perf, m.workspace.get(), m.workspace_bytes));
    const int pick = pick_algorithm(perf, found, shape.allow_tf32);
    if (pick < 0) throw std::runtime_error("cuDNN: no forward convolution algorithm for this shape");
    m.fwd_algo = perf[pick].algo;
  }
  {
    cudnnConvolutionBwdDataAlgoPerf_t perf[16];
    int found = 0;
    STYLE_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
        m.cudnn, m.w_desc, m.weights.get(), m.z_desc, m.feature_grad.get(), m.conv_desc, m.x_desc, m.host_grad.get(),
        16, &found, perf, m.workspace.get(), m.workspace_bytes));
    const int pick = pick_algorithm(perf, found, shape.allow_tf32);
    if (pick < 0) throw std::runtime_error("cuDNN: no backward-data convolution algorithm for this shape");
    m.bwd_algo = perf[pick].algo;
  }

  // Targets: Ac from the content; Gs = mean over styles of (A_s^T A_s) / T_s.
  {
    const auto xc = to_channel_major(content.spectrogram, content.frames, c);
    m.host_x.upload(xc.data(), xc.size());
    m.features_of(m.host_x.get(), m.frames, m.content.get());
  }
  STYLE_CUDA_CHECK(cudaMemset(m.style_gram.get(), 0, ng * sizeof(float)));
  for (const auto& s : styles) {
    const auto xs = to_channel_major(s.spectrogram, s.frames, c);
    DeviceBuffer<float> x(xs.size()), a(size_t(f) * (s.frames - k + 1));
    x.upload(xs.data(), xs.size());
    m.features_of(x.get(), s.frames, a.get());
    const int t_out = s.frames - k + 1;
    const float scale = 1.0f / (float(s.frames) * float(styles.size())), one = 1.0f;
    STYLE_CUBLAS_CHECK(cublasSgemm(m.cublas, CUBLAS_OP_T, CUBLAS_OP_N, f, f, t_out, &scale, a.get(), t_out, a.get(),
                                   t_out, &one, m.style_gram.get(), f));
  }
  STYLE_CUDA_CHECK(cudaDeviceSynchronize());
}

StyleLoss::~StyleLoss() = default;

int StyleLoss::frames() const { return impl_->frames; }

double StyleLoss::evaluate(const float* x, float* grad) {
  Impl& m = *impl_;
  const int t = m.frames, c = m.shape.channels;
  const auto xc = to_channel_major(x, t, c);
  m.host_x.upload(xc.data(), xc.size());
  m.evaluate_device(m.host_x.get(), m.host_grad.get());
  std::vector<float> g(xc.size());
  m.host_grad.download(g.data(), g.size());
  double loss = 0;
  m.loss.download(&loss, 1);
  for (int i = 0; i < t; ++i)
    for (int j = 0; j < c; ++j) grad[size_t(i) * c + j] = g[size_t(j) * t + i];
  return loss;
}

int device_count(std::string& why_none) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    why_none = std::string("no usable CUDA device: ") + cudaGetErrorString(err);
    return 0;
  }
  if (count == 0) why_none = "no CUDA device present";
  return count;
}

}  // namespace drumrnn::style::gpu
