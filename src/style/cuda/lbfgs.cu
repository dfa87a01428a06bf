// L-BFGS with every vector on the device. liblbfgs's algorithm (the CPU path's optimiser) with its
// settings: two-loop recursion with the newest pair's yᵀs / yᵀy as the initial Hessian scale, first
// step 1/‖g‖, then 1, Moré–Thuente line search, stop on ‖g‖ / max(1, ‖x‖) < epsilon or the iteration
// limit. The vectors are double, as liblbfgs keeps them; the loss is evaluated in float. The two-loop
// recursion runs on cuBLAS in device pointer mode, so its dot products never leave the GPU; the line
// search's decisions need f and gᵀd, which come back with ‖g‖² and ‖x‖² in one 32-byte copy per
// evaluation (style/more_thuente.h holds the scalar logic, tested on the CPU).
#include <cmath>
#include <vector>

#include "style/cuda/style_loss_impl.cuh"
#include "style/more_thuente.h"
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

class DeviceLbfgs {
 public:
  DeviceLbfgs(StyleLoss::Impl& loss, const LbfgsSettings& s) : loss_(loss), s_(s) {
    n_ = size_t(loss.shape.channels) * loss.frames;
    for (auto* b : {&x_, &xp_, &g_, &gp_, &d_}) b->resize(n_);
    sv_.resize(s.memory);
    yv_.resize(s.memory);
    for (int i = 0; i < s.memory; ++i) sv_[i].resize(n_), yv_[i].resize(n_);
    xf_.resize(n_);
    gf_.resize(n_);
    ys_.resize(s.memory);
    alpha_.resize(s.memory);
    scratch_.resize(4);  // dot, coefficient, yy, scale
    reported_.resize(4); // loss, gᵀd, ‖g‖², ‖x‖²
    STYLE_CUBLAS_CHECK(cublasCreate(&blas_));
    STYLE_CUBLAS_CHECK(cublasSetPointerMode(blas_, CUBLAS_POINTER_MODE_DEVICE));
  }
  ~DeviceLbfgs() { cublasDestroy(blas_); }

  LbfgsResult run(float* host_x, JobObserver& job) {
    const int t = loss_.frames, c = loss_.shape.channels;
    std::vector<double> x0(n_);
    for (int i = 0; i < t; ++i)
      for (int j = 0; j < c; ++j) x0[size_t(j) * t + i] = host_x[size_t(i) * c + j];
    x_.upload(x0.data(), n_);

    LbfgsResult r;
    STYLE_CUDA_CHECK(cudaMemset(d_.get(), 0, n_ * sizeof(double)));
    Reported f = evaluate(r);
    negate<<<blocks_for(n_), kThreads>>>(n_, g_.get(), d_.get());
    STYLE_KERNEL_CHECK();
    double gd = -f.gg;
    r.loss = f.loss;
    if (std::sqrt(f.gg) / std::max(1.0, std::sqrt(f.xx)) <= s_.epsilon) {
      r.stop = "converged";
      return finish(r, host_x);
    }
    double step = 1.0 / std::sqrt(f.gg);
    int end = 0;
    LineSearchSettings ls;
    ls.ftol = s_.ftol, ls.gtol = s_.gtol, ls.xtol = s_.xtol;
    ls.min_step = s_.min_step, ls.max_step = s_.max_step, ls.max_trials = s_.max_linesearch;
    for (int k = 1;; ++k) {
      copy(xp_, x_);
      copy(gp_, g_);
      const double f_before = f.loss;
      MoreThuente search(ls, f.loss, gd, step);
      for (;;) {
        step_from<<<blocks_for(n_), kThreads>>>(n_, xp_.get(), search.step(), d_.get(), x_.get());
        STYLE_KERNEL_CHECK();
        f = evaluate(r);
        const auto status = search.next(f.loss, f.gd);
        if (status == MoreThuente::Status::evaluate) continue;
        if (status == MoreThuente::Status::failed) {
          copy(x_, xp_);  // liblbfgs returns the point before the failed search
          r.loss = f_before;
          r.stop = std::string("line search: ") + search.why();
          return finish(r, host_x);
        }
        break;
      }
      r.loss = f.loss;
      r.iterations = k;
      JobProgress p;
      p.stage = "style";
      p.done = k;
      p.total = s_.max_iterations;
      p.loss = f.loss;
      job.on_progress(p);
      if (job.cancelled()) {
        r.stop = "cancelled";
        return finish(r, host_x);
      }
      if (std::sqrt(f.gg) / std::max(1.0, std::sqrt(f.xx)) < s_.epsilon) {
        r.stop = "converged";
        return finish(r, host_x);
      }
      if (s_.max_iterations > 0 && k >= s_.max_iterations) {
        r.stop = "iterations";
        return finish(r, host_x);
      }
      // The newest pair s = x − xp, y = g − gp, and ys = yᵀs, yy = yᵀy, on the device.
      difference<<<blocks_for(n_), kThreads>>>(n_, x_.get(), xp_.get(), sv_[end].get());
      difference<<<blocks_for(n_), kThreads>>>(n_, g_.get(), gp_.get(), yv_[end].get());
      STYLE_KERNEL_CHECK();
      STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), yv_[end].get(), 1, sv_[end].get(), 1, ys_.get() + end));
      STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), yv_[end].get(), 1, yv_[end].get(), 1, scratch_.get() + 2));
      const int newest = end;
      const int bound = std::min(s_.memory, k);
      end = (end + 1) % s_.memory;
      // Two-loop recursion: d = −H·g.
      negate<<<blocks_for(n_), kThreads>>>(n_, g_.get(), d_.get());
      STYLE_KERNEL_CHECK();
      int j = end;
      for (int i = 0; i < bound; ++i) {
        j = (j + s_.memory - 1) % s_.memory;
        STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), sv_[j].get(), 1, d_.get(), 1, scratch_.get()));
        first_loop_coef<<<1, 1>>>(scratch_.get(), ys_.get() + j, alpha_.get() + j, scratch_.get() + 1);
        STYLE_KERNEL_CHECK();
        STYLE_CUBLAS_CHECK(cublasDaxpy(blas_, int(n_), scratch_.get() + 1, yv_[j].get(), 1, d_.get(), 1));
      }
      hessian_scale<<<1, 1>>>(ys_.get() + newest, scratch_.get() + 2, scratch_.get() + 3);
      STYLE_KERNEL_CHECK();
      STYLE_CUBLAS_CHECK(cublasDscal(blas_, int(n_), scratch_.get() + 3, d_.get(), 1));
      for (int i = 0; i < bound; ++i) {
        STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), yv_[j].get(), 1, d_.get(), 1, scratch_.get()));
        second_loop_coef<<<1, 1>>>(scratch_.get(), ys_.get() + j, alpha_.get() + j, scratch_.get() + 1);
        STYLE_KERNEL_CHECK();
        STYLE_CUBLAS_CHECK(cublasDaxpy(blas_, int(n_), scratch_.get() + 1, sv_[j].get(), 1, d_.get(), 1));
        j = (j + 1) % s_.memory;
      }
      STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), g_.get(), 1, d_.get(), 1, reported_.get() + 1));
      STYLE_CUDA_CHECK(cudaMemcpy(&gd, reported_.get() + 1, sizeof(double), cudaMemcpyDeviceToHost));
      step = 1.0;
    }
  }

 private:
  struct Reported {
    double loss, gd, gg, xx;
  };

  // f(x), g(x) on the device; only four scalars come back.
  Reported evaluate(LbfgsResult& r) {
    to_float<<<blocks_for(n_), kThreads>>>(n_, x_.get(), xf_.get());
    STYLE_KERNEL_CHECK();
    loss_.evaluate_device(xf_.get(), gf_.get());
    to_double<<<blocks_for(n_), kThreads>>>(n_, gf_.get(), g_.get());
    STYLE_KERNEL_CHECK();
    STYLE_CUDA_CHECK(cudaMemcpy(reported_.get(), loss_.loss.get(), sizeof(double), cudaMemcpyDeviceToDevice));
    STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), g_.get(), 1, d_.get(), 1, reported_.get() + 1));
    STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), g_.get(), 1, g_.get(), 1, reported_.get() + 2));
    STYLE_CUBLAS_CHECK(cublasDdot(blas_, int(n_), x_.get(), 1, x_.get(), 1, reported_.get() + 3));
    Reported out;
    STYLE_CUDA_CHECK(cudaMemcpy(&out, reported_.get(), sizeof out, cudaMemcpyDeviceToHost));
    ++r.evaluations;
    return out;
  }

  void copy(DeviceBuffer<double>& to, const DeviceBuffer<double>& from) {
    STYLE_CUDA_CHECK(cudaMemcpy(to.get(), from.get(), n_ * sizeof(double), cudaMemcpyDeviceToDevice));
  }

  LbfgsResult finish(LbfgsResult r, float* host_x) {
    const int t = loss_.frames, c = loss_.shape.channels;
    std::vector<double> x(n_);
    x_.download(x.data(), n_);
    for (int i = 0; i < t; ++i)
      for (int j = 0; j < c; ++j) host_x[size_t(i) * c + j] = float(x[size_t(j) * t + i]);
    return r;
  }

  StyleLoss::Impl& loss_;
  LbfgsSettings s_;
  size_t n_ = 0;
  cublasHandle_t blas_ = nullptr;
  DeviceBuffer<double> x_, xp_, g_, gp_, d_, ys_, alpha_, scratch_, reported_;
  std::vector<DeviceBuffer<double>> sv_, yv_;
  DeviceBuffer<float> xf_, gf_;
};

}  // namespace

LbfgsResult minimise(StyleLoss& loss, float* x, const LbfgsSettings& settings, JobObserver& job) {
  if (settings.memory < 1) throw std::invalid_argument("L-BFGS: memory must be at least 1");
  DeviceLbfgs lbfgs(loss.impl(), settings);
  return lbfgs.run(x, job);
}

}  // namespace drumrnn::style::gpu
