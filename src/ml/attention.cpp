#include "ml/attention.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <cstring>

#include "ml/activations.h"
#include "ml/half_gemv.h"

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

// Σ_j v_j · tanh(f_j + y_j), f = nullptr for a zero (not yet filled) slot.
float score(const float* f, const float* y, const float* v, int A) {
  float s = 0.0f;
  if (f)
    for (int j = 0; j < A; ++j) s += v[j] * fast_tanh(f[j] + y[j]);
  else
    for (int j = 0; j < A; ++j) s += v[j] * fast_tanh(y[j]);
  return s;
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
  cache.x_proj.resize(size_t(rows) * in);
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

  // x · K1x + b1 for every row at once; the attns part depends on the previous step.
  fill_rows(cache.x_proj.data(), rows, p.in_bias, in);
  if (x.dense)
    mul_acc(rows, in, in, x.dense, in, p.in_kernel, cache.x_proj.data(), in);
  else
    sparse_mul_acc(*x.sparse, 0, rows, p.in_kernel, in, cache.x_proj.data());

  for (int t = 0; t < T; ++t) {
    const int r0 = b.offsets[t], n = b.active(t);
    // Rows of step t are the first n sequences of step t - 1 (sorted by length).
    const int p0 = t > 0 ? b.offsets[t - 1] : 0;
    float* xp = cache.x_proj.data() + size_t(r0) * in;
    if (t > 0) {
      std::memcpy(cache.attns_prev.data() + size_t(r0) * A, cache.attns.data() + size_t(p0) * A, sizeof(float) * n * A);
      mul_acc(n, A, in, cache.attns_prev.data() + size_t(r0) * A, A, K1a, xp, in);
    }
    // The wrapped LSTMs, bottom up.
    float* y = cache.query.data() + size_t(r0) * A;
    fill_rows(y, n, p.query_bias, A);
    const float* K3 = p.query_kernel;
    for (int k = 0; k < K; ++k) {
      const LstmShape ls = s.lstm(k);
      const int H = ls.units, G4 = 4 * H;
      LstmCache& lc = cache.lstm[k];
      const float* input = k == 0 ? xp : layer_out(k - 1) + size_t(r0) * ls.in;
      float* G = lc.gates.data() + size_t(r0) * G4;
      float* c = lc.c.data() + size_t(r0) * H;
      float* h = lc.h.data() + size_t(r0) * H;
      const float* c_prev = nullptr;
      if (t > 0) {
        std::memcpy(lc.h_prev.data() + size_t(r0) * H, lc.h.data() + size_t(p0) * H, sizeof(float) * n * H);
        c_prev = lc.c.data() + size_t(p0) * H;
      }
      fill_rows(G, n, p.lstm_bias[k], G4);
      mul_acc(n, ls.in, G4, input, ls.in, p.lstm_kernel[k], G, G4);
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
        const float* o = cache.output.data() + size_t(b.offsets[t - L + k] + i) * A;
        for (int j = 0; j < A; ++j) attn[j] += a[k] * o[j];
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
  const float* K2h = p.out_kernel;
  const float* K2a = p.out_kernel + size_t(Htop) * A;
  auto layer_out = [&](int k) { return cache.lstm[k].mask.empty() ? cache.lstm[k].h.data() : cache.lstm[k].out.data(); };

  // d_output collects every use of a step's output: the layer above, the later steps' reads of the
  // window, and (through attn_w) their scores, which d_features collects.
  std::vector<float> d_output(size_t(rows) * A), d_features(size_t(rows) * A, 0.0f), d_y(size_t(rows) * A, 0.0f);
  std::vector<float> d_xp(size_t(rows) * in);
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
        float dot = 0.0f;
        for (int j = 0; j < A; ++j) dot += da[j] * o[j];
        d_a[k] = dot;
        for (int j = 0; j < A; ++j) d_o[j] += a[k] * da[j];
      }
      float mean = 0.0f;
      for (int k = 0; k < L; ++k) mean += a[k] * d_a[k];
      float d_zero = 0.0f;  // the zero slots share one key: their score gradients add up
      for (int k = 0; k < first; ++k) d_zero += a[k] * (d_a[k] - mean);
      if (first > 0)
        for (int j = 0; j < A; ++j) {
          const float th = fast_tanh(yi[j]);
          dv[j] += d_zero * th;
          dyi[j] += d_zero * p.attn_v[j] * (1.0f - th * th);
        }
      for (int k = first; k < L; ++k) {
        const float ds = a[k] * (d_a[k] - mean);
        const size_t row = size_t(b.offsets[t - L + k] + i) * A;
        const float* f = cache.features.data() + row;
        float* df = d_features.data() + row;
        for (int j = 0; j < A; ++j) {
          const float th = fast_tanh(f[j] + yi[j]);
          dv[j] += ds * th;
          const float dpre = ds * p.attn_v[j] * (1.0f - th * th);
          dyi[j] += dpre;
          df[j] += dpre;
        }
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
      if (k == 0) {
        mul_t(n, in, G4, dG_t, p.lstm_kernel[0], 0.0f, d_xp.data() + size_t(r0) * in, in);
      } else {
        // Into layer k - 1's output: through its dropout, onto its h.
        mul_t(n, ls.in, G4, dG_t, p.lstm_kernel[k], 0.0f, d_input.data(), ls.in);
        const std::vector<float>& m = cache.lstm[k - 1].mask;
        float* dh_below = d_h[k - 1].data();
        for (size_t q = 0; q < size_t(n) * ls.in; ++q)
          dh_below[q] += m.empty() ? d_input[q] : d_input[q] * m[size_t(r0) * ls.in + q];
      }
      if (t > 0) mul_t(n, H, G4, dG_t, p.lstm_kernel[k] + size_t(ls.in) * G4, 0.0f, dh_rec[k].data(), H);
    }
    if (t > 0) mul_t(n, A, in, d_xp.data() + size_t(r0) * in, K1a, 0.0f, d_attns_next.data(), A);
  }

  // Weight gradients: one GEMM each over all rows.
  size_t q_row = 0;
  for (int k = 0; k < K; ++k) {
    const LstmShape ls = s.lstm(k);
    const int H = ls.units, G4 = 4 * H;
    const LstmCache& lc = cache.lstm[k];
    const float* input = k == 0 ? cache.x_proj.data() : layer_out(k - 1);
    grad_acc(rows, ls.in, G4, input, ls.in, dG[k].data(), g.lstm_kernel[k]);
    grad_acc(rows, H, G4, lc.h_prev.data(), H, dG[k].data(), g.lstm_kernel[k] + size_t(ls.in) * G4);
    column_sums_acc(dG[k].data(), rows, G4, g.lstm_bias[k]);
    grad_acc(rows, H, A, lc.c.data(), H, d_y.data(), g.query_kernel + q_row * A);
    grad_acc(rows, H, A, lc.h.data(), H, d_y.data(), g.query_kernel + (q_row + H) * A);
    q_row += 2 * size_t(H);
  }
  if (x.dense) {
    grad_acc(rows, in, in, x.dense, in, d_xp.data(), g.in_kernel);
  } else {
    const SparseRows& sp = *x.sparse;
    for (int r = 0; r < rows; ++r) {
      const float* d = d_xp.data() + size_t(r) * in;
      for (int k = sp.row_start[r]; k < sp.row_start[r + 1]; ++k) {
        const float v = sp.value[k];
        float* w = g.in_kernel + size_t(sp.index[k]) * in;
        for (int c = 0; c < in; ++c) w[c] += v * d[c];
      }
    }
  }
  grad_acc(rows, A, in, cache.attns_prev.data(), A, d_xp.data(), g.in_kernel + size_t(in) * in);
  column_sums_acc(d_xp.data(), rows, in, g.in_bias);
  column_sums_acc(d_y.data(), rows, A, g.query_bias);
  grad_acc(rows, Htop, A, layer_out(K - 1), Htop, d_output.data(), g.out_kernel);
  grad_acc(rows, A, A, cache.attns.data(), A, d_output.data(), g.out_kernel + size_t(Htop) * A);
  column_sums_acc(d_output.data(), rows, A, g.out_bias);
  grad_acc(rows, A, A, cache.output.data(), A, d_features.data(), g.attn_w);
  if (d_x && x.dense) mul_t(rows, in, in, d_xp.data(), p.in_kernel, 0.0f, d_x, in);
}

size_t attention_step_scratch(const AttentionShape& s, int n) {
  int max_h = 0;
  for (int k = 0; k < s.layers; ++k) max_h = std::max(max_h, s.units[k]);
  return size_t(n) * (size_t(s.in) + 4 * size_t(max_h) + size_t(s.attn())) + size_t(s.length);
}

void attention_step(const AttentionShape& s, const AttentionParams& p, const AttentionHalfKernels* half,
                    const LstmInput& x, int n, const AttentionStreams& st, float* out, float* scratch) {
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
  float* xp = scratch;
  float* G = xp + size_t(n) * in;
  float* y = G + size_t(n) * 4 * max_h;
  float* a = y + size_t(n) * A;

  fill_rows(xp, n, p.in_bias, in);
  if (x.dense)
    mul(in, in, x.dense, p.in_kernel, hk.in_kernel, xp);
  else
    sparse_mul_acc(*x.sparse, 0, n, p.in_kernel, in, xp);
  mul(A, in, st.attns, p.in_kernel + size_t(in) * in, off(hk.in_kernel, size_t(in) * in), xp);

  fill_rows(y, n, p.query_bias, A);
  size_t q_row = 0;
  for (int k = 0; k < K; ++k) {
    const LstmShape ls = s.lstm(k);
    const int H = ls.units, G4 = 4 * H;
    const float* input = k == 0 ? xp : st.h[k - 1];
    fill_rows(G, n, p.lstm_bias[k], G4);
    mul(ls.in, G4, input, p.lstm_kernel[k], hk.lstm_kernel[k], G);
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
      const float* w = W + size_t((head + k) % L) * A;
      for (int j = 0; j < A; ++j) attn[j] += a[k] * w[j];
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
