#include "ml/attention.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <cstring>

#include "ml/activations.h"
#include "ml/half_gemv.h"
#include "ml/simd_dispatch.h"

namespace drumrnn {
namespace {

// Y[n, cols] += X[n, k] · W[k, cols] (row-major, W's leading dimension = cols).
void mul_acc(int n, int k, int cols, const float* X, int ldx, const float* W, float* Y, int ldy) {
  if (n <= 0) return;
  if (n == 1)
    cblas_sgemv(CblasRowMajor, CblasTrans, k, cols, 1.0f, W, cols, X, 1, 1.0f, Y, 1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, cols, k, 1.0f, X, ldx, W, cols, 1.0f, Y, ldy);
}

// The same product for one stream on a half-float copy of W when there is one.
void mul_acc_1(int k, int cols, const float* x, const float* W, const uint16_t* W_half, float* y) {
  if (W_half)
    half_gemv_accumulate(W_half, x, k, cols, y);
  else
    cblas_sgemv(CblasRowMajor, CblasTrans, k, cols, 1.0f, W, cols, x, 1, 1.0f, y, 1);
}

// dX[n, k] = beta · dX + dY[n, cols] · W[k, cols]^T.
void mul_t(int n, int k, int cols, const float* dY, const float* W, float beta, float* dX, int lddx) {
  if (n <= 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, cols, 1.0f, dY, cols, W, cols, beta, dX, lddx);
}

// dW[k, cols] += X[rows, k]^T · dY[rows, cols].
void grad_acc(int rows, int k, int cols, const float* X, int ldx, const float* dY, float* dW) {
  if (rows <= 0) return;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, cols, rows, 1.0f, X, ldx, dY, cols, 1.0f, dW, cols);
}

void fill_rows(float* Y, int n, const float* bias, int cols) {
  for (int r = 0; r < n; ++r) std::memcpy(Y + size_t(r) * cols, bias, sizeof(float) * cols);
}

void column_sums_acc(const float* Y, int rows, int cols, float* out) {
  for (int r = 0; r < rows; ++r) {
    const float* y = Y + size_t(r) * cols;
    for (int c = 0; c < cols; ++c) out[c] += y[c];
  }
}

// Y[r] += Σ value · W[index] over sparse rows [r0, r0 + n).
void sparse_mul_acc(const SparseRows& sp, int r0, int n, const float* W, int cols, float* Y) {
  for (int r = 0; r < n; ++r) {
    float* y = Y + size_t(r) * cols;
    for (int k = sp.row_start[r0 + r]; k < sp.row_start[r0 + r + 1]; ++k) {
      const float v = sp.value[k];
      const float* w = W + size_t(sp.index[k]) * cols;
      for (int c = 0; c < cols; ++c) y[c] += v * w[c];
    }
  }
}

// Y[rows, cols] += X · W for the wrapper's input X [rows, in], sparse or dense.
void input_mul_acc(const LstmInput& x, int rows, int in, const float* W, int cols, float* Y) {
  if (x.dense)
    mul_acc(rows, in, cols, x.dense, in, W, Y, cols);
  else
    sparse_mul_acc(*x.sparse, 0, rows, W, cols, Y);
}

// Out[in, cols] += Xᵀ · M[rows, cols].
void input_t_mul_acc(const LstmInput& x, int rows, int in, const float* M, int cols, float* Out) {
  if (x.dense) {
    grad_acc(rows, in, cols, x.dense, in, M, Out);
    return;
  }
  const SparseRows& sp = *x.sparse;
  for (int r = 0; r < rows; ++r) {
    const float* m = M + size_t(r) * cols;
    for (int k = sp.row_start[r]; k < sp.row_start[r + 1]; ++k) {
      const float v = sp.value[k];
      float* o = Out + size_t(sp.index[k]) * cols;
      for (int c = 0; c < cols; ++c) o[c] += v * m[c];
    }
  }
}

// Σ_j v_j · tanh(f_j + y_j), f = nullptr for a zero (not yet filled) slot. Eight partial sums, so
// the loop vectorizes without reassociating behind the compiler's back (the training forward and the
// streaming step share it, so both round alike).
DRUMRNN_CLONES_AVX2 float score(const float* __restrict f, const float* __restrict y, const float* __restrict v, int A) {
  float part[8] = {};
  const int A8 = A & ~7;
  for (int j = 0; j < A8; j += 8)
    for (int u = 0; u < 8; ++u) part[u] += v[j + u] * fast_tanh((f ? f[j + u] : 0.0f) + y[j + u]);
  float s = 0.0f;
  for (int j = A8; j < A; ++j) s += v[j] * fast_tanh((f ? f[j] : 0.0f) + y[j]);
  for (int u = 0; u < 8; ++u) s += part[u];
  return s;
}

// The backward of one slot's score s = Σ_j v_j · tanh(f_j + y_j) given ds: accumulates into d_v, d_y and
// (f non-null) d_f.
DRUMRNN_CLONES_AVX2 void score_backward(const float* __restrict f, const float* __restrict y,
                                        const float* __restrict v, float ds, int A, float* __restrict d_v,
                                        float* __restrict d_y, float* __restrict d_f) {
  if (f) {
    for (int j = 0; j < A; ++j) {
      const float th = fast_tanh(f[j] + y[j]);
      d_v[j] += ds * th;
      const float dpre = ds * v[j] * (1.0f - th * th);
      d_y[j] += dpre;
      d_f[j] += dpre;
    }
  } else {
    for (int j = 0; j < A; ++j) {
      const float th = fast_tanh(y[j]);
      d_v[j] += ds * th;
      d_y[j] += ds * v[j] * (1.0f - th * th);
    }
  }
}

// Σ_j a_j · b_j in eight partial sums (vectorizes).
DRUMRNN_CLONES_AVX2 float dot(const float* __restrict a, const float* __restrict b, int n) {
  float part[8] = {};
  const int n8 = n & ~7;
  for (int j = 0; j < n8; j += 8)
    for (int u = 0; u < 8; ++u) part[u] += a[j + u] * b[j + u];
  float s = 0.0f;
  for (int j = n8; j < n; ++j) s += a[j] * b[j];
  for (int u = 0; u < 8; ++u) s += part[u];
  return s;
}

// y[0..n) += alpha · x[0..n).
DRUMRNN_CLONES_AVX2 void axpy(float alpha, const float* __restrict x, float* __restrict y, int n) {
  for (int j = 0; j < n; ++j) y[j] += alpha * x[j];
}

void softmax_in_place(float* s, int L) {
  float m = s[0];
  for (int k = 1; k < L; ++k) m = std::max(m, s[k]);
  float sum = 0.0f;
  for (int k = 0; k < L; ++k) sum += (s[k] = std::exp(s[k] - m));
  const float inv = 1.0f / sum;
  for (int k = 0; k < L; ++k) s[k] *= inv;
}

}  // namespace

void fold_attention_input(const AttentionShape& s, const AttentionParams& p, AttentionFolded& out) {
  const int in = s.in, A = s.attn(), G4 = 4 * s.units[0];
  const float* Wx = p.lstm_kernel[0];
  out.in_kernel.resize(size_t(in) * G4);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, G4, in, 1.0f, p.in_kernel, in, Wx, G4, 0.0f,
              out.in_kernel.data(), G4);
  out.attn_kernel.resize(size_t(A) * G4);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, A, G4, in, 1.0f, p.in_kernel + size_t(in) * in, in, Wx, G4,
              0.0f, out.attn_kernel.data(), G4);
  out.bias.assign(p.lstm_bias[0], p.lstm_bias[0] + G4);
  cblas_sgemv(CblasRowMajor, CblasTrans, in, G4, 1.0f, Wx, G4, p.in_bias, 1, 1.0f, out.bias.data(), 1);
}

int AttentionShape::query() const {
  int q = 0;
  for (int k = 0; k < layers; ++k) q += 2 * units[k];
  return q;
}

void attention_forward(const AttentionShape& s, const AttentionParams& p, const LstmInput& x, const PackedBatch& b,
                       const AttentionDropout& dropout, AttentionCache& cache) {
  const int in = s.in, A = s.attn(), L = s.length, K = s.layers, Htop = s.attn(), rows = b.rows(), T = b.max_len();
  const float* K1a = p.in_kernel + size_t(in) * in;
  const float* K2h = p.out_kernel;
  const float* K2a = p.out_kernel + size_t(Htop) * A;
  cache.attns_prev.assign(size_t(rows) * A, 0.0f);
  cache.lstm.resize(K);
  for (int k = 0; k < K; ++k) {
    const size_t H = s.units[k];
    LstmCache& lc = cache.lstm[k];
    lc.gates.resize(size_t(rows) * 4 * H);
    lc.c.resize(size_t(rows) * H);
    lc.tanh_c.resize(size_t(rows) * H);
    lc.h.resize(size_t(rows) * H);
    lc.h_prev.assign(size_t(rows) * H, 0.0f);
    if (dropout.layer[k]) {
      lc.mask.assign(dropout.layer[k], dropout.layer[k] + size_t(rows) * H);
      lc.out.resize(size_t(rows) * H);
    } else {
      lc.mask.clear();
      lc.out.clear();
    }
  }
  // Layer k's output (after its dropout, if any): what layer k + 1, or Linear2 for the top, reads.
  auto layer_out = [&](int k) { return cache.lstm[k].mask.empty() ? cache.lstm[k].h.data() : cache.lstm[k].out.data(); };
  cache.query.resize(size_t(rows) * A);
  cache.weights.resize(size_t(rows) * L);
  cache.attns.assign(size_t(rows) * A, 0.0f);
  cache.output.resize(size_t(rows) * A);
  cache.features.assign(size_t(rows) * A, 0.0f);
  if (rows == 0) return;

  // Layer 0's LSTM is fed x' = x·K1x + b1 + attns·K1a through its input kernel Wx, and x' has no other
  // use, so it is never formed: the gates take x·(K1x·Wx) + b1·Wx for every row at once (x is sparse,
  // so that is a gather), and attns·(K1a·Wx) step by step, A wide instead of in wide. The backward
  // factors its gradients the same way.
  const int G40 = 4 * s.units[0];
  fold_attention_input(s, p, cache.folded);
  fill_rows(cache.lstm[0].gates.data(), rows, cache.folded.bias.data(), G40);
  input_mul_acc(x, rows, in, cache.folded.in_kernel.data(), G40, cache.lstm[0].gates.data());

  for (int t = 0; t < T; ++t) {
    const int r0 = b.offsets[t], n = b.active(t);
    // Rows of step t are the first n sequences of step t - 1 (sorted by length).
    const int p0 = t > 0 ? b.offsets[t - 1] : 0;
    if (t > 0)
      std::memcpy(cache.attns_prev.data() + size_t(r0) * A, cache.attns.data() + size_t(p0) * A, sizeof(float) * n * A);
    // The wrapped LSTMs, bottom up.
    float* y = cache.query.data() + size_t(r0) * A;
    fill_rows(y, n, p.query_bias, A);
    const float* K3 = p.query_kernel;
    for (int k = 0; k < K; ++k) {
      const LstmShape ls = s.lstm(k);
      const int H = ls.units, G4 = 4 * H;
      LstmCache& lc = cache.lstm[k];
      float* G = lc.gates.data() + size_t(r0) * G4;
      float* c = lc.c.data() + size_t(r0) * H;
      float* h = lc.h.data() + size_t(r0) * H;
      const float* c_prev = nullptr;
      if (t > 0) {
        std::memcpy(lc.h_prev.data() + size_t(r0) * H, lc.h.data() + size_t(p0) * H, sizeof(float) * n * H);
        c_prev = lc.c.data() + size_t(p0) * H;
      }
      if (k == 0) {
        if (t > 0) mul_acc(n, A, G4, cache.attns_prev.data() + size_t(r0) * A, A, cache.folded.attn_kernel.data(), G, G4);
      } else {
        fill_rows(G, n, p.lstm_bias[k], G4);
        mul_acc(n, ls.in, G4, layer_out(k - 1) + size_t(r0) * ls.in, ls.in, p.lstm_kernel[k], G, G4);
      }
      if (t > 0) mul_acc(n, H, G4, lc.h_prev.data() + size_t(r0) * H, H, p.lstm_kernel[k] + size_t(ls.in) * G4, G, G4);
      lstm_cell_update(H, n, G, c_prev, c, lc.tanh_c.data() + size_t(r0) * H, h);
      if (!lc.mask.empty()) {
        const size_t at = size_t(r0) * H;
        for (size_t q = 0; q < size_t(n) * H; ++q) lc.out[at + q] = h[q] * lc.mask[at + q];
      }
      // The query's rows for this layer: [c_k, h_k] (TF flattens the state tuple c then h, layer by layer).
      mul_acc(n, H, A, c, H, K3, y, A);
      mul_acc(n, H, A, h, H, K3 + size_t(H) * A, y, A);
      K3 += size_t(2 * H) * A;
    }

    // Scores over the window: slot k holds the output of step t - L + k (zero before the start).
    for (int i = 0; i < n; ++i) {
      const float* yi = y + size_t(i) * A;
      float* a = cache.weights.data() + size_t(r0 + i) * L;
      const float zero_slot = score(nullptr, yi, p.attn_v, A);
      for (int k = 0; k < L; ++k) {
        const int past = t - L + k;
        a[k] = past < 0 ? zero_slot
                        : score(cache.features.data() + size_t(b.offsets[past] + i) * A, yi, p.attn_v, A);
      }
      softmax_in_place(a, L);
      float* attn = cache.attns.data() + size_t(r0 + i) * A;
      for (int k = std::max(0, L - t); k < L; ++k) {
        axpy(a[k], cache.output.data() + size_t(b.offsets[t - L + k] + i) * A, attn, A);
      }
    }

    float* o = cache.output.data() + size_t(r0) * A;
    fill_rows(o, n, p.out_bias, A);
    mul_acc(n, Htop, A, layer_out(K - 1) + size_t(r0) * Htop, Htop, K2h, o, A);
    mul_acc(n, A, A, cache.attns.data() + size_t(r0) * A, A, K2a, o, A);
    mul_acc(n, A, A, o, A, p.attn_w, cache.features.data() + size_t(r0) * A, A);
  }

  if (dropout.output) {
    cache.mask.assign(dropout.output, dropout.output + size_t(rows) * A);
    cache.out.resize(size_t(rows) * A);
    for (size_t k = 0; k < cache.out.size(); ++k) cache.out[k] = cache.output[k] * cache.mask[k];
  } else {
    cache.mask.clear();
    cache.out = cache.output;
  }
}

void attention_backward(const AttentionShape& s, const AttentionParams& p, const LstmInput& x, const PackedBatch& b,
                        const AttentionCache& cache, const float* d_out, const AttentionGrads& g, float* d_x) {
  const int in = s.in, A = s.attn(), L = s.length, K = s.layers, Htop = s.attn(), rows = b.rows(), T = b.max_len();
  if (rows == 0) return;
  const float* K1a = p.in_kernel + size_t(in) * in;
  const int G40 = 4 * s.units[0];
  const float* K2h = p.out_kernel;
  const float* K2a = p.out_kernel + size_t(Htop) * A;
  auto layer_out = [&](int k) { return cache.lstm[k].mask.empty() ? cache.lstm[k].h.data() : cache.lstm[k].out.data(); };

  // d_output collects every use of a step's output: the layer above, the later steps' reads of the
  // window, and (through attn_w) their scores, which d_features collects.
  std::vector<float> d_output(size_t(rows) * A), d_features(size_t(rows) * A, 0.0f), d_y(size_t(rows) * A, 0.0f);
  for (size_t k = 0; k < d_output.size(); ++k) d_output[k] = cache.mask.empty() ? d_out[k] : d_out[k] * cache.mask[k];
  const int B = b.active(0);
  std::vector<float> d_attns_next(size_t(B) * A, 0.0f), d_attns(size_t(B) * A), d_a(L);
  // Per wrapped layer: gate gradients over all rows, the recurrences from step t + 1, this step's d_h, d_c.
  std::vector<std::vector<float>> dG(K), dc_rec(K), dh_rec(K), d_h(K), d_c(K);
  int max_in = in;
  for (int k = 0; k < K; ++k) {
    const size_t H = s.units[k];
    dG[k].resize(size_t(rows) * 4 * H);
    dc_rec[k].assign(size_t(B) * H, 0.0f);
    dh_rec[k].assign(size_t(B) * H, 0.0f);
    d_h[k].resize(size_t(B) * H);
    d_c[k].resize(size_t(B) * H);
    max_in = std::max(max_in, s.lstm(k).in);
  }
  std::vector<float> d_input(size_t(B) * max_in);
  float* dv = g.attn_v;

  for (int t = T - 1; t >= 0; --t) {
    const int r0 = b.offsets[t], n = b.active(t);
    const int n_next = t + 1 < T ? b.active(t + 1) : 0;
    float* dO = d_output.data() + size_t(r0) * A;
    mul_t(n, A, A, d_features.data() + size_t(r0) * A, p.attn_w, 1.0f, dO, A);
    // Output projection over [top layer output, attns].
    mul_t(n, Htop, A, dO, K2h, 0.0f, d_h[K - 1].data(), Htop);
    mul_t(n, A, A, dO, K2a, 0.0f, d_attns.data(), A);
    for (size_t k = 0; k < size_t(n_next) * A; ++k) d_attns[k] += d_attns_next[k];
    if (!cache.lstm[K - 1].mask.empty()) {  // the top layer's dropout sits before Linear2
      const float* m = cache.lstm[K - 1].mask.data() + size_t(r0) * Htop;
      for (size_t q = 0; q < size_t(n) * Htop; ++q) d_h[K - 1][q] *= m[q];
    }

    // The read, the softmax and the scores.
    float* dy = d_y.data() + size_t(r0) * A;
    for (int i = 0; i < n; ++i) {
      const float* a = cache.weights.data() + size_t(r0 + i) * L;
      const float* da = d_attns.data() + size_t(i) * A;
      const float* yi = cache.query.data() + size_t(r0 + i) * A;
      float* dyi = dy + size_t(i) * A;
      const int first = std::max(0, L - t);  // slots before it are zero
      for (int k = 0; k < first; ++k) d_a[k] = 0.0f;
      for (int k = first; k < L; ++k) {
        const size_t row = size_t(b.offsets[t - L + k] + i) * A;
        const float* o = cache.output.data() + row;
        float* d_o = d_output.data() + row;
        d_a[k] = dot(da, o, A);
        axpy(a[k], da, d_o, A);
      }
      float mean = 0.0f;
      for (int k = 0; k < L; ++k) mean += a[k] * d_a[k];
      float d_zero = 0.0f;  // the zero slots share one key: their score gradients add up
      for (int k = 0; k < first; ++k) d_zero += a[k] * (d_a[k] - mean);
      if (first > 0) score_backward(nullptr, yi, p.attn_v, d_zero, A, dv, dyi, nullptr);
      for (int k = first; k < L; ++k) {
        const float ds = a[k] * (d_a[k] - mean);
        const size_t row = size_t(b.offsets[t - L + k] + i) * A;
        score_backward(cache.features.data() + row, yi, p.attn_v, ds, A, dv, dyi, d_features.data() + row);
      }
    }
    // The query [c_0, h_0, c_1, h_1, ...]: every layer's state, before any dropout.
    const float* K3 = p.query_kernel;
    for (int k = 0; k < K; ++k) {
      const int H = s.units[k];
      mul_t(n, H, A, dy, K3, 0.0f, d_c[k].data(), H);
      mul_t(n, H, A, dy, K3 + size_t(H) * A, k == K - 1 ? 1.0f : 0.0f, d_h[k].data(), H);
      K3 += size_t(2 * H) * A;
    }

    // The LSTM cells top down, each with its recurrence from step t + 1 (rows whose sequence continues).
    for (int k = K - 1; k >= 0; --k) {
      const LstmShape ls = s.lstm(k);
      const int H = ls.units, G4 = 4 * H;
      const LstmCache& lc = cache.lstm[k];
      float* dh = d_h[k].data();
      float* dc = dc_rec[k].data();
      for (size_t q = 0; q < size_t(n_next) * H; ++q) dh[q] += dh_rec[k][q];
      std::fill(dc + size_t(n_next) * H, dc + size_t(n) * H, 0.0f);
      for (size_t q = 0; q < size_t(n) * H; ++q) dc[q] += d_c[k][q];
      const float* c_prev = t > 0 ? lc.c.data() + size_t(b.offsets[t - 1]) * H : nullptr;
      float* dG_t = dG[k].data() + size_t(r0) * G4;
      lstm_cell_backward(H, n, lc.gates.data() + size_t(r0) * G4, lc.tanh_c.data() + size_t(r0) * H, c_prev, dh, dc,
                         dG_t);
      if (k > 0) {
        // Into layer k - 1's output: through its dropout, onto its h.
        mul_t(n, ls.in, G4, dG_t, p.lstm_kernel[k], 0.0f, d_input.data(), ls.in);
        const std::vector<float>& m = cache.lstm[k - 1].mask;
        float* dh_below = d_h[k - 1].data();
        for (size_t q = 0; q < size_t(n) * ls.in; ++q)
          dh_below[q] += m.empty() ? d_input[q] : d_input[q] * m[size_t(r0) * ls.in + q];
      }
      if (t > 0) mul_t(n, H, G4, dG_t, p.lstm_kernel[k] + size_t(ls.in) * G4, 0.0f, dh_rec[k].data(), H);
    }
    // Into the attns entering this step, through the fused kernel.
    if (t > 0) mul_t(n, A, G40, dG[0].data() + size_t(r0) * G40, cache.folded.attn_kernel.data(), 0.0f, d_attns_next.data(), A);
  }

  // Linear1 and layer 0's input kernel, factored as in the forward (x' = x·K1x + b1 + attns·K1a):
  // with S = xᵀ·dG, P = attnsᵀ·dG and cs = Σ_rows dG, d_Wx = K1xᵀ·S + K1aᵀ·P + b1 ⊗ cs,
  // d_K1x = S·Wxᵀ, d_K1a = P·Wxᵀ, d_b1 = Wx·cs, and d_x = dG·(K1x·Wx)ᵀ.
  {
    const float* dG0 = dG[0].data();
    const float* Wx = p.lstm_kernel[0];
    std::vector<float> S(size_t(in) * G40, 0.0f), P(size_t(A) * G40, 0.0f), cs(G40, 0.0f);
    input_t_mul_acc(x, rows, in, dG0, G40, S.data());
    grad_acc(rows, A, G40, cache.attns_prev.data(), A, dG0, P.data());
    column_sums_acc(dG0, rows, G40, cs.data());
    float* dWx = g.lstm_kernel[0];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, G40, in, 1.0f, p.in_kernel, in, S.data(), G40, 1.0f, dWx, G40);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, G40, A, 1.0f, K1a, in, P.data(), G40, 1.0f, dWx, G40);
    cblas_sger(CblasRowMajor, in, G40, 1.0f, p.in_bias, 1, cs.data(), 1, dWx, G40);
    mul_t(in, in, G40, S.data(), Wx, 1.0f, g.in_kernel, in);
    mul_t(A, in, G40, P.data(), Wx, 1.0f, g.in_kernel + size_t(in) * in, in);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, in, G40, 1.0f, Wx, G40, cs.data(), 1, 1.0f, g.in_bias, 1);
    if (d_x && x.dense) mul_t(rows, in, G40, dG0, cache.folded.in_kernel.data(), 0.0f, d_x, in);
  }

  // Weight gradients: one GEMM each over all rows.
  size_t q_row = 0;
  for (int k = 0; k < K; ++k) {
    const LstmShape ls = s.lstm(k);
    const int H = ls.units, G4 = 4 * H;
    const LstmCache& lc = cache.lstm[k];
    if (k > 0) grad_acc(rows, ls.in, G4, layer_out(k - 1), ls.in, dG[k].data(), g.lstm_kernel[k]);
    grad_acc(rows, H, G4, lc.h_prev.data(), H, dG[k].data(), g.lstm_kernel[k] + size_t(ls.in) * G4);
    column_sums_acc(dG[k].data(), rows, G4, g.lstm_bias[k]);
    grad_acc(rows, H, A, lc.c.data(), H, d_y.data(), g.query_kernel + q_row * A);
    grad_acc(rows, H, A, lc.h.data(), H, d_y.data(), g.query_kernel + (q_row + H) * A);
    q_row += 2 * size_t(H);
  }
  column_sums_acc(d_y.data(), rows, A, g.query_bias);
  grad_acc(rows, Htop, A, layer_out(K - 1), Htop, d_output.data(), g.out_kernel);
  grad_acc(rows, A, A, cache.attns.data(), A, d_output.data(), g.out_kernel + size_t(Htop) * A);
  column_sums_acc(d_output.data(), rows, A, g.out_bias);
  grad_acc(rows, A, A, cache.output.data(), A, d_features.data(), g.attn_w);
}

size_t attention_step_scratch(const AttentionShape& s, int n) {
  int max_h = 0;
  for (int k = 0; k < s.layers; ++k) max_h = std::max(max_h, s.units[k]);
  return size_t(n) * (4 * size_t(max_h) + size_t(s.attn())) + size_t(s.length);
}

void attention_step(const AttentionShape& s, const AttentionParams& p, const AttentionHalfKernels* half,
                    const AttentionFolded& folded, const LstmInput& x, int n, const AttentionStreams& st, float* out,
                    float* scratch) {
  const int in = s.in, A = s.attn(), L = s.length, K = s.layers, Htop = s.attn();
  int max_h = 0;
  for (int k = 0; k < K; ++k) max_h = std::max(max_h, s.units[k]);
  const bool one = n == 1;
  const AttentionHalfKernels none;
  const AttentionHalfKernels& hk = one && half ? *half : none;
  auto off = [](const uint16_t* w, size_t k) { return w ? w + k : nullptr; };
  // mul: Y[n, cols] += X[n, k] · W, through the half copy for a single stream.
  auto mul = [&](int k, int cols, const float* X, const float* W, const uint16_t* W_half, float* Y) {
    if (one)
      mul_acc_1(k, cols, X, W, W_half, Y);
    else
      mul_acc(n, k, cols, X, k, W, Y, cols);
  };
  float* G = scratch;
  float* y = G + size_t(n) * 4 * max_h;
  float* a = y + size_t(n) * A;

  fill_rows(y, n, p.query_bias, A);
  size_t q_row = 0;
  for (int k = 0; k < K; ++k) {
    const LstmShape ls = s.lstm(k);
    const int H = ls.units, G4 = 4 * H;
    if (k == 0) {  // Linear1 folded into the gates: x·(K1x·Wx) + attns·(K1a·Wx) + (b + b1·Wx)
      const bool use_half = one && half;
      fill_rows(G, n, folded.bias.data(), G4);
      if (x.dense)
        mul(in, G4, x.dense, folded.in_kernel.data(), use_half ? folded.in_kernel_half.data() : nullptr, G);
      else
        sparse_mul_acc(*x.sparse, 0, n, folded.in_kernel.data(), G4, G);
      mul(A, G4, st.attns, folded.attn_kernel.data(), use_half ? folded.attn_kernel_half.data() : nullptr, G);
    } else {
      fill_rows(G, n, p.lstm_bias[k], G4);
      mul(ls.in, G4, st.h[k - 1], p.lstm_kernel[k], hk.lstm_kernel[k], G);
    }
    mul(H, G4, st.h[k], p.lstm_kernel[k] + size_t(ls.in) * G4, off(hk.lstm_kernel[k], size_t(ls.in) * G4), G);
    lstm_cell_update(H, n, G, st.c[k], st.c[k], nullptr, st.h[k]);
    mul(H, A, st.c[k], p.query_kernel + q_row * A, off(hk.query_kernel, q_row * A), y);
    mul(H, A, st.h[k], p.query_kernel + (q_row + H) * A, off(hk.query_kernel, (q_row + H) * A), y);
    q_row += 2 * size_t(H);
  }

  // Slots oldest first, as the training forward visits them, so both round alike.
  for (int i = 0; i < n; ++i) {
    const float* yi = y + size_t(i) * A;
    const float* F = st.features + size_t(i) * L * A;
    const float* W = st.window + size_t(i) * L * A;
    const int head = st.head[i];
    for (int k = 0; k < L; ++k) a[k] = score(F + size_t((head + k) % L) * A, yi, p.attn_v, A);
    softmax_in_place(a, L);
    float* attn = st.attns + size_t(i) * A;
    std::fill(attn, attn + A, 0.0f);
    for (int k = 0; k < L; ++k) {
      axpy(a[k], W + size_t((head + k) % L) * A, attn, A);
    }
  }

  fill_rows(out, n, p.out_bias, A);
  mul(Htop, A, st.h[K - 1], p.out_kernel, hk.out_kernel, out);
  mul(A, A, st.attns, p.out_kernel + size_t(Htop) * A, off(hk.out_kernel, size_t(Htop) * A), out);

  // The window shift: the newest output replaces the oldest slot.
  for (int i = 0; i < n; ++i) {
    const int slot = st.head[i];
    const size_t at = (size_t(i) * L + slot) * A;
    std::memcpy(st.window + at, out + size_t(i) * A, sizeof(float) * A);
    std::fill(st.features + at, st.features + at + A, 0.0f);
    mul_acc_1(A, A, out + size_t(i) * A, p.attn_w, hk.attn_w, st.features + at);
    st.head[i] = slot + 1 == L ? 0 : slot + 1;
  }
}

}  // namespace drumrnn
