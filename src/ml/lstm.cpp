#include "ml/lstm.h"

#include <algorithm>
#include <cblas.h>
#include <cstring>

#include "ml/activations.h"
#include "ml/half_gemv.h"
#include "ml/simd_dispatch.h"

namespace drumrnn {
namespace {

// G[r] = bias + x[r] · W_x for rows [r0, r0 + n). W_x is the first `in` rows of the kernel.
void input_projection(const LstmShape& s, const float* kernel, const float* bias, const LstmInput& x, int r0,
                      int n, float* G) {
  const int G4 = s.gates();
  for (int r = 0; r < n; ++r) std::memcpy(G + size_t(r) * G4, bias, sizeof(float) * G4);
  if (x.dense) {
    // One row (generation): gemv; BLAS's sgemm would repack the whole kernel for a single row.
    if (n == 1)
      cblas_sgemv(CblasRowMajor, CblasTrans, s.in, G4, 1.0f, kernel, G4, x.dense + size_t(r0) * s.in, 1, 1.0f, G, 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, G4, s.in, 1.0f, x.dense + size_t(r0) * s.in, s.in,
                  kernel, G4, 1.0f, G, G4);
    return;
  }
  // Sparse rows: a gather of kernel rows, the one-hot's row plus the counters'.
  const SparseRows& sp = *x.sparse;
  for (int r = 0; r < n; ++r) {
    float* g = G + size_t(r) * G4;
    for (int k = sp.row_start[r0 + r]; k < sp.row_start[r0 + r + 1]; ++k) {
      const float v = sp.value[k];
      const float* w = kernel + size_t(sp.index[k]) * G4;
      for (int u = 0; u < G4; ++u) g[u] += v * w[u];
    }
  }
}

}  // namespace

DRUMRNN_CLONES_AVX2 void lstm_cell_update(int H, int n, float* G, const float* c_prev,
                                                                      float* c, float* tanh_c, float* h) {
  for (int r = 0; r < n; ++r) {
    float* g = G + size_t(r) * 4 * H;
    float* cr = c + size_t(r) * H;
    float* hr = h + size_t(r) * H;
    float* tc = tanh_c ? tanh_c + size_t(r) * H : hr;  // hr is overwritten below anyway
    for (int u = 0; u < H; ++u) {
      const float i = fast_sigmoid(g[u]);
      const float j = fast_tanh(g[H + u]);
      const float f = fast_sigmoid(g[2 * H + u] + kForgetBias);
      const float o = fast_sigmoid(g[3 * H + u]);
      g[u] = i;
      g[H + u] = j;
      g[2 * H + u] = f;
      g[3 * H + u] = o;
    }
    if (c_prev) {
      const float* cp = c_prev + size_t(r) * H;
      for (int u = 0; u < H; ++u) cr[u] = cp[u] * g[2 * H + u] + g[u] * g[H + u];
    } else {
      for (int u = 0; u < H; ++u) cr[u] = g[u] * g[H + u];
    }
    for (int u = 0; u < H; ++u) tc[u] = fast_tanh(cr[u]);
    for (int u = 0; u < H; ++u) hr[u] = tc[u] * g[3 * H + u];
  }
}

DRUMRNN_CLONES_AVX2 void lstm_cell_backward(int H, int n, const float* gates,
                                                                        const float* tanh_c, const float* c_prev,
                                                                        const float* dh, float* dc_rec, float* dG) {
  for (int r = 0; r < n; ++r) {
    const float* g = gates + size_t(r) * 4 * H;
    const float* tc = tanh_c + size_t(r) * H;
    const float* cp = c_prev ? c_prev + size_t(r) * H : nullptr;
    const float* dhr = dh + size_t(r) * H;
    float* dcr = dc_rec + size_t(r) * H;
    float* d = dG + size_t(r) * 4 * H;
    for (int u = 0; u < H; ++u) {
      const float i = g[u], j = g[H + u], f = g[2 * H + u], o = g[3 * H + u];
      const float t = tc[u];
      const float dc = dhr[u] * o * (1.0f - t * t) + dcr[u];
      d[u] = dc * j * i * (1.0f - i);
      d[H + u] = dc * i * (1.0f - j * j);
      d[2 * H + u] = (cp ? dc * cp[u] : 0.0f) * f * (1.0f - f);
      d[3 * H + u] = dhr[u] * t * o * (1.0f - o);
      dcr[u] = dc * f;
    }
  }
}

void lstm_forward(const LstmShape& s, const float* kernel, const float* bias, const LstmInput& x,
                  const PackedBatch& b, const float* dropout_mask, LstmCache& cache) {
  const int H = s.units, G4 = s.gates(), rows = b.rows();
  cache.gates.resize(size_t(rows) * G4);
  cache.c.resize(size_t(rows) * H);
  cache.tanh_c.resize(size_t(rows) * H);
  cache.h.resize(size_t(rows) * H);
  cache.h_prev.assign(size_t(rows) * H, 0.0f);
  const float* W_h = kernel + size_t(s.in) * G4;

  input_projection(s, kernel, bias, x, 0, rows, cache.gates.data());
  for (int t = 0; t < b.max_len(); ++t) {
    const int r0 = b.offsets[t], n = b.active(t);
    float* G = cache.gates.data() + size_t(r0) * G4;
    const float* c_prev = nullptr;
    if (t > 0) {
      const int p0 = b.offsets[t - 1];
      std::memcpy(cache.h_prev.data() + size_t(r0) * H, cache.h.data() + size_t(p0) * H, sizeof(float) * n * H);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, G4, H, 1.0f, cache.h.data() + size_t(p0) * H, H, W_h,
                  G4, 1.0f, G, G4);
      c_prev = cache.c.data() + size_t(p0) * H;
    }
    lstm_cell_update(H, n, G, c_prev, cache.c.data() + size_t(r0) * H, cache.tanh_c.data() + size_t(r0) * H,
                cache.h.data() + size_t(r0) * H);
  }
  if (dropout_mask) {
    cache.mask.assign(dropout_mask, dropout_mask + size_t(rows) * H);
    cache.out.resize(size_t(rows) * H);
    for (size_t k = 0; k < cache.out.size(); ++k) cache.out[k] = cache.h[k] * cache.mask[k];
  } else {
    cache.mask.clear();
    cache.out = cache.h;
  }
}

void lstm_backward(const LstmShape& s, const float* kernel, const LstmInput& x, const PackedBatch& b,
                   const LstmCache& cache, const float* d_out, float* d_kernel, float* d_bias, float* d_x) {
  const int H = s.units, G4 = s.gates(), rows = b.rows(), T = b.max_len();
  const float* W_h = kernel + size_t(s.in) * G4;
  std::vector<float> dG(size_t(rows) * G4);
  std::vector<float> dh(size_t(rows) * H);
  for (size_t k = 0; k < dh.size(); ++k) dh[k] = cache.mask.empty() ? d_out[k] : d_out[k] * cache.mask[k];
  const int B = T > 0 ? b.active(0) : 0;
  std::vector<float> dc_rec(size_t(B) * H, 0.0f), dh_rec(size_t(B) * H, 0.0f);

  for (int t = T - 1; t >= 0; --t) {
    const int r0 = b.offsets[t], n = b.active(t);
    float* dh_t = dh.data() + size_t(r0) * H;
    // Rows past the next step's active count get no recurrent gradient: their sequence ended at t.
    const int n_next = t + 1 < T ? b.active(t + 1) : 0;
    for (size_t k = 0; k < size_t(n_next) * H; ++k) dh_t[k] += dh_rec[k];
    std::fill(dc_rec.begin() + size_t(n_next) * H, dc_rec.begin() + size_t(n) * H, 0.0f);
    const float* c_prev = t > 0 ? cache.c.data() + size_t(b.offsets[t - 1]) * H : nullptr;
    float* dG_t = dG.data() + size_t(r0) * G4;
    lstm_cell_backward(H, n, cache.gates.data() + size_t(r0) * G4, cache.tanh_c.data() + size_t(r0) * H, c_prev, dh_t,
                  dc_rec.data(), dG_t);
    if (t > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, H, G4, 1.0f, dG_t, G4, W_h, G4, 0.0f, dh_rec.data(), H);
  }

  // Weight gradients: one GEMM each over all rows.
  float* dW_h = d_kernel + size_t(s.in) * G4;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, G4, rows, 1.0f, cache.h_prev.data(), H, dG.data(), G4, 1.0f,
              dW_h, G4);
  if (x.dense) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s.in, G4, rows, 1.0f, x.dense, s.in, dG.data(), G4, 1.0f,
                d_kernel, G4);
  } else {
    const SparseRows& sp = *x.sparse;
    for (int r = 0; r < rows; ++r) {
      const float* d = dG.data() + size_t(r) * G4;
      for (int k = sp.row_start[r]; k < sp.row_start[r + 1]; ++k) {
        const float v = sp.value[k];
        float* w = d_kernel + size_t(sp.index[k]) * G4;
        for (int u = 0; u < G4; ++u) w[u] += v * d[u];
      }
    }
  }
  for (int r = 0; r < rows; ++r) {
    const float* d = dG.data() + size_t(r) * G4;
    for (int u = 0; u < G4; ++u) d_bias[u] += d[u];
  }
  if (d_x && x.dense)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, s.in, G4, 1.0f, dG.data(), G4, kernel, G4, 0.0f, d_x,
                s.in);
}

void lstm_step(const LstmShape& s, const float* kernel, const float* bias, const LstmInput& x, int n, float* c,
               float* h, float* scratch) {
  const int H = s.units, G4 = s.gates();
  input_projection(s, kernel, bias, x, 0, n, scratch);
  const float* W_h = kernel + size_t(s.in) * G4;
  if (n == 1)
    cblas_sgemv(CblasRowMajor, CblasTrans, H, G4, 1.0f, W_h, G4, h, 1, 1.0f, scratch, 1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, G4, H, 1.0f, h, H, W_h, G4, 1.0f, scratch, G4);
  // In place: c is both the previous and the new state, row by row.
  lstm_cell_update(H, n, scratch, c, c, nullptr, h);
}

void lstm_step_half(const LstmShape& s, const float* kernel, const uint16_t* kernel_half, const float* bias,
                    const LstmInput& x, float* c, float* h, float* scratch) {
  const int H = s.units, G4 = s.gates();
  if (x.sparse) {
    input_projection(s, kernel, bias, x, 0, 1, scratch);
  } else {
    std::memcpy(scratch, bias, sizeof(float) * G4);
    half_gemv_accumulate(kernel_half, x.dense, s.in, G4, scratch);
  }
  half_gemv_accumulate(kernel_half + size_t(s.in) * G4, h, H, G4, scratch);
  lstm_cell_update(H, 1, scratch, c, c, nullptr, h);
}

}  // namespace drumrnn
