// L-BFGS with every vector on the device: style/lbfgs_driver.h's iteration (liblbfgs's algorithm and
// settings, tested on the CPU against liblbfgs) over a store of double vectors on the GPU. The loss is
// evaluated in float. The two-loop recursion runs on cuBLAS in device pointer mode, so its dot products
// never leave the GPU; the line search's decisions need f and gᵀd, which come back with ‖g‖² and ‖x‖²
// in one 32-byte copy per evaluation.
#include <cmath>
#include <vector>

#include "style/cuda/style_loss_impl.cuh"
#include "style/lbfgs_driver.h"
#include "style/style_elementwise.h"

namespace drumrnn::style::gpu {
namespace {

__global__ void to_float(size_t n, const double* x, float* out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    out[i] = float(x[i]);
}
__global__ void to_double(size_t n, const float* x, double* out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    out[i] = double(x[i]);
}
// x = xp + step·d
__global__ void step_from(size_t n, const double* xp, double step, const double* d, double* x) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    x[i] = axpy_term(xp[i], step, d[i]);
}
// out = a − b
__global__ void difference(size_t n, const double* a, const double* b, double* out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    out[i] = axpy_term(a[i], -1.0, b[i]);
}
__global__ void negate(size_t n, const double* a, double* out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    out[i] = -a[i];
}
// Scalars of the two-loop recursion, computed where they live (one thread).
__global__ void first_loop_coef(const double* dot, const double* ys, double* alpha, double* neg_alpha) {
  const double a = *dot / *ys;
  *alpha = a;
  *neg_alpha = -a;
}
__global__ void hessian_scale(const double* ys, const double* yy, double* out) { *out = *ys / *yy; }
__global__ void second_loop_coef(const double* dot, const double* ys, const double* alpha, double* out) {
  *out = *alpha - *dot / *ys;
}

// The vector store of style/lbfgs_driver.h on the device: double vectors, cuBLAS in device-pointer
// mode for the dots, one-thread kernels for the two-loop coefficients, so nothing but the four
// reported scalars (and gᵀd once per iteration) crosses to the host.
class DeviceStore {
 public:
  DeviceStore(StyleLoss::Impl& loss, int memory) : loss_(loss) {
    n_ = size_t(loss.shape.channels) * loss.frames;
    for (auto* b : {&x_, &xp_, &g_, &gp_, &d_}) b->resize(n_);
    sv_.resize(memory);
    yv_.resize(memory);
    for (int i = 0; i < memory; ++i) sv_[i].resize(n_), yv_[i].resize(n_);
    xf_.resize(n_);
    gf_.resize(n_);
    ys_.resize(memory);
    alpha_.resize(memory);
    scratch_.resize(4);   // dot, coefficient, yy, scale
    reported_.resize(4);  // loss, gᵀd, ‖g‖², ‖x‖²
    STYLE_CUDA_CHECK(cudaMemset(d_.get(), 0, n_ * sizeof(double)));
    STYLE_CUBLAS_CHECK(cublasCreate(&blas_));
    STYLE_CUBLAS_CHECK(cublasSetPointerMode(blas_, CUBLAS_POINTER_MODE_DEVICE));
  }
  ~DeviceStore() {
    if (blas_) cublasDestroy(blas_);
  }

  // Host T × C (frame-major) to and from the device's C × T.
  void upload(const float* host_x) {
    const int t = loss_.frames, c = loss_.shape.channels;
    std::vector<double> x0(n_);
    for (int i = 0; i < t; ++i)
      for (int j = 0; j < c; ++j) x0[size_t(j) * t + i] = host_x[size_t(i) * c + j];
    x_.upload(x0.data(), n_);
  }
  void download(float* host_x) const {
    const int t = loss_.frames, c = loss_.shape.channels;
    std::vector<double> x(n_);
    x_.download(x.data(), n_);
    for (int i = 0; i < t; ++i)
      for (int j = 0; j < c; ++j) host_x[size_t(i) * c + j] = float(x[size_t(j) * t + i]);
  }

  LbfgsReported evaluate() {
    to_float<<<blocks_for(n_), kThreads>>>(n_, x_.get(), xf_.get());
    STYLE_KERNEL_CHECK();
    loss_.evaluate_device(xf_.get(), gf_.get());
    to_double<<<blocks_for(n_), kThreads>>>(n_, gf_.get(), g_.get());
    STYLE_KERNEL_CHECK();
    STYLE_CUDA_CHECK(cudaMemcpy(reported_.get(), loss_.loss.get(), sizeof(double), cudaMemcpyDeviceToDevice));
    dot(g_, d_, reported_.get() + 1);
    dot(g_, g_, reported_.get() + 2);
    dot(x_, x_, reported_.get() + 3);
    LbfgsReported out;
    STYLE_CUDA_CHECK(cudaMemcpy(&out, reported_.get(), sizeof out, cudaMemcpyDeviceToHost));
    return out;
  }
  void save() {
    copy(xp_, x_);
    copy(gp_, g_);
  }
  void restore() { copy(x_, xp_); }
  void step(double a) {
    step_from<<<blocks_for(n_), kThreads>>>(n_, xp_.get(), a, d_.get(), x_.get());
    STYLE_KERNEL_CHECK();
  }
  void steepest() {
    negate<<<blocks_for(n_), kThreads>>>(n_, g_.get(), d_.get());
    STYLE_KERNEL_CHECK();
  }
  void push_pair(int slot) {
    difference<<<blocks_for(n_), kThreads>>>(n_, x_.get(), xp_.get(), sv_[slot].get());
    difference<<<blocks_for(n_), kThreads>>>(n_, g_.get(), gp_.get(), yv_[slot].get());
    STYLE_KERNEL_CHECK();
    dot(yv_[slot], sv_[slot], ys_.get() + slot);
    dot(yv_[slot], yv_[slot], scratch_.get() + 2);
  }
  void first_loop(int j) {
    dot(sv_[j], d_, scratch_.get());
    first_loop_coef<<<1, 1>>>(scratch_.get(), ys_.get() + j, alpha_.get() + j, scratch_.get() + 1);
    STYLE_KERNEL_CHECK();
    STYLE_CUBLAS_CHECK(cublasDaxpy(blas_, int(n_), scratch_.get() + 1, yv_[j].get(), 1, d_.get(), 1));
  }
  void scale(int newest) {
    hessian_scale<<<1, 1>>>(ys_.get() + newest, scratch_.get() + 2, scratch_.get() + 3);
    STYLE_KERNEL_CHECK();
    STYLE_CUBLAS_CHECK(cublasDscal(blas_, int(n_), scratch_.get() + 3, d_.get(), 1));
  }
  void second_loop(int j) {
    dot(yv_[j], d_, scratch_.get());
    second_loop_coef<<<1, 1>>>(scratch_.get(), ys_.get() + j, alpha_.get() + j, scratch_.get() + 1);
    STYLE_KERNEL_CHECK();
    STYLE_CUBLAS_CHECK(cublasDaxpy(blas_, int(n_), scratch_.get() + 1, sv_[j].get(), 1, d_.get(), 1));
  }
  double gd() {
    dot(g_, d_, reported_.get() + 1);
    double out = 0;
    STYLE_CUDA_CHECK(cudaMemcpy(&out, reported_.get() + 1, sizeof(double), cudaMemcpyDeviceToHost));
    return out;
  }

 private:
  void dot(const DeviceBuffer<double>& a, const DeviceBuffer<double>& b, double* result) {
    STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), a.get(), 1, b.get(), 1, result));
  }
  void copy(DeviceBuffer<double>& to, const DeviceBuffer<double>& from) {
    STYLE_CUDA_CHECK(cudaMemcpy(to.get(), from.get(), n_ * sizeof(double), cudaMemcpyDeviceToDevice));
  }

  StyleLoss::Impl& loss_;
  size_t n_ = 0;
  cublasHandle_t blas_ = nullptr;
  DeviceBuffer<double> x_, xp_, g_, gp_, d_, ys_, alpha_, scratch_, reported_;
  std::vector<DeviceBuffer<double>> sv_, yv_;
  DeviceBuffer<float> xf_, gf_;
};

}  // namespace

LbfgsResult minimise(StyleLoss& loss, float* x, const LbfgsSettings& settings, JobObserver& job) {
  if (settings.memory < 1) throw std::invalid_argument("L-BFGS: memory must be at least 1");
  DeviceStore store(loss.impl(), settings.memory);
  store.upload(x);
  LbfgsDriverSettings s;
  s.memory = settings.memory;
  s.max_iterations = settings.max_iterations;
  s.epsilon = settings.epsilon;
  s.line_search.ftol = settings.ftol, s.line_search.gtol = settings.gtol, s.line_search.xtol = settings.xtol;
  s.line_search.min_step = settings.min_step, s.line_search.max_step = settings.max_step;
  s.line_search.max_trials = settings.max_linesearch;
  const LbfgsOutcome o = run_lbfgs(store, s, job);
  store.download(x);
  LbfgsResult r;
  r.loss = o.loss, r.iterations = o.iterations, r.evaluations = o.evaluations, r.stop = o.stop;
  return r;
}

}  // namespace drumrnn::style::gpu
