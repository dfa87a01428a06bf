// The LSTM layer with TensorFlow BasicLSTMCell maths (facts §7): gates = [x, h] · W + b with
// W [in + units, 4 * units] split i, j, f, o; c' = c·σ(f + 1) + σ(i)·tanh(j); h' = tanh(c')·σ(o).
// This is the CPU reference: GEMMs through BLAS, the rest plain loops.
#pragma once
#include <cstdint>
#include <vector>

#include "ml/packed_batch.h"

namespace drumrnn {

constexpr float kForgetBias = 1.0f;

struct LstmShape {
  int in = 0;     // input width
  int units = 0;  // H
  int gates() const { return 4 * units; }
};

// What the backward pass needs from the forward pass, for one layer over a packed batch.
struct LstmCache {
  std::vector<float> gates;   // [rows, 4H] activations σ(i), tanh(j), σ(f+1), σ(o)
  std::vector<float> c;       // [rows, H]
  std::vector<float> tanh_c;  // [rows, H]
  std::vector<float> h;       // [rows, H] the cell output (the recurrent state)
  std::vector<float> h_prev;  // [rows, H] h of the previous step of the same sequence (0 at t=0)
  std::vector<float> out;     // [rows, H] after dropout: the layer's output
  std::vector<float> mask;    // [rows, H] 0 or 1/keep; empty when keep == 1
};

// Layer input: exactly one of `dense` ([rows, in]) or `sparse` is set.
struct LstmInput {
  const float* dense = nullptr;
  const SparseRows* sparse = nullptr;
};

// Forward over a packed batch. `kernel` [in + H, 4H], `bias` [4H]. `dropout_mask` is [rows, H] of
// 0 or 1/keep (nullptr = no dropout).
void lstm_forward(const LstmShape& s, const float* kernel, const float* bias, const LstmInput& x,
                  const PackedBatch& b, const float* dropout_mask, LstmCache& cache);

// Backward: d_out [rows, H] is the gradient of the loss w.r.t. the layer output. Accumulates into
// d_kernel and d_bias, and writes d_x [rows, in] when non-null (dense inputs only).
void lstm_backward(const LstmShape& s, const float* kernel, const LstmInput& x, const PackedBatch& b,
                   const LstmCache& cache, const float* d_out, float* d_kernel, float* d_bias, float* d_x);

// One step for a batch of independent streams (generation): x is [n, in] dense or n sparse rows;
// c, h are [n, H], updated in place. `scratch` holds >= n * 4H floats. Allocation-free.
void lstm_step(const LstmShape& s, const float* kernel, const float* bias, const LstmInput& x, int n, float* c,
               float* h, float* scratch);

// lstm_step for one stream with the matrix-vector products on a half-float copy of the kernel
// (ml/half_gemv.h). A sparse input is still gathered from the float32 kernel.
void lstm_step_half(const LstmShape& s, const float* kernel, const uint16_t* kernel_half, const float* bias,
                    const LstmInput& x, float* c, float* h, float* scratch);

// The cell's element-wise maths, for layers that do their own GEMMs (ml/attention.cpp).
// Update: G [n, 4H] holds the pre-activations and is overwritten with the activations; c_prev may
// be null (zero state) and may equal c (in place); tanh_c may be null.
void lstm_cell_update(int H, int n, float* G, const float* c_prev, float* c, float* tanh_c, float* h);
// Backward: dG [n, 4H] from dh (summed over every use of h) and dc_rec (the cell-state gradient from
// the next step plus any other use of c); writes dc_rec := dc · f for the previous step.
void lstm_cell_backward(int H, int n, const float* gates, const float* tanh_c, const float* c_prev,
                        const float* dh, float* dc_rec, float* dG);

}  // namespace drumrnn
