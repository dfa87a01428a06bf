// Magenta's AttentionCellWrapper (magenta/contrib/rnn.py, Magenta 2.x) around the FIRST LSTM layer
// only (events_rnn_graph.make_rnn_cell: attention wraps cell 0 when attn_length > 0).
//
// Parameters, under TensorFlow's names (checked by building make_rnn_cell([8,6], attn_length=4) in
// TF 2.21 + magenta 2.1.4; in = the layer's input width, H = the LSTM's units, A = attn_size =
// attn_vec_size = H, L = attn_length). Kernels are [rows, cols] row-major, used as x · kernel:
//   P = "rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/"
//   P "kernel"                           [in + A, in]   Linear1 over [x, attns] (x rows first)
//   P "bias"                             [in]
//   P "basic_lstm_cell/kernel"           [in + H, 4H]   the LSTM (ml/lstm.h), fed the projection
//   P "basic_lstm_cell/bias"             [4H]
//   P "attention/attn_w"                 [1, 1, A, A]   1x1 conv on the window = window · attn_w
//   P "attention/attn_v"                 [A]
//   P "attention/kernel"                 [2H, A]        Linear3 over the query [c, h] (c rows first)
//   P "attention/bias"                   [A]
//   P "attn_output_projection/kernel"    [H + A, A]     Linear2 over [cell_output h, new_attns]
//   P "attn_output_projection/bias"      [A]
// Layers 1.. keep "rnn/multi_rnn_cell/cell_<l>/basic_lstm_cell/{kernel,bias}", and the logits
// "fully_connected/{weights,biases}". (The pre-2017 whole-stack layout, "rnn/attention_cell_wrapper/...",
// is not this one.)
//
// One step (state: LSTM (c, h), attns [A], attn_states [L, A], all zero at the start; zero slots
// take part in the softmax like any other, so the first L steps attend over zero-padded history):
//   x'   = [x, attns] · K1 + b1
//   c, h = LSTM(x', (c, h))                     h is the cell output
//   y    = [c, h] · K3 + b3                     (the state tuple flattened: c then h)
//   s_k  = Σ_j v_j · tanh((attn_states_k · attn_w)_j + y_j),  a = softmax(s) over the L slots
//   attns = Σ_k a_k · attn_states_k
//   out  = [h, attns] · K2 + b2                 the layer's output (dropout applies after it)
//   attn_states = attn_states[1:] ++ [out]      (oldest slot dropped, newest appended)
// The window holds outputs before dropout (DropoutWrapper wraps the whole attention cell).
//
// Streaming state layout (DrumRnnStepper::get_state/set_state), TF's state tuple flattened:
//   layer 0: c [H], h [H], attns [A], attn_states [L * A] oldest slot first; then c, h per layer;
//   then the window's cached keys attn_states · attn_w [L * A] (same slot order), so that a restored
//   state steps exactly as the original would.
#pragma once
#include <cstdint>
#include <vector>

#include "ml/lstm.h"
#include "ml/packed_batch.h"

namespace drumrnn {

struct AttentionShape {
  int in = 0;      // layer input width
  int units = 0;   // H = A
  int length = 0;  // L = attn_length
  LstmShape lstm() const { return {in, units}; }
};

// Pointers into the parameter buffer (or into a gradient buffer with the same layout).
struct AttentionParams {
  const float* in_kernel = nullptr;    // [in + A, in]
  const float* in_bias = nullptr;      // [in]
  const float* lstm_kernel = nullptr;  // [in + H, 4H]
  const float* lstm_bias = nullptr;    // [4H]
  const float* attn_w = nullptr;       // [A, A]
  const float* attn_v = nullptr;       // [A]
  const float* query_kernel = nullptr; // [2H, A]
  const float* query_bias = nullptr;   // [A]
  const float* out_kernel = nullptr;   // [H + A, A]
  const float* out_bias = nullptr;     // [A]
};

struct AttentionGrads {
  float* in_kernel = nullptr;
  float* in_bias = nullptr;
  float* lstm_kernel = nullptr;
  float* lstm_bias = nullptr;
  float* attn_w = nullptr;
  float* attn_v = nullptr;
  float* query_kernel = nullptr;
  float* query_bias = nullptr;
  float* out_kernel = nullptr;
  float* out_bias = nullptr;
};

// What the backward pass needs from the forward pass over a packed batch.
struct AttentionCache {
  std::vector<float> x_proj;      // [rows, in] x' (the LSTM's input)
  std::vector<float> attns_prev;  // [rows, A] attns entering the step (0 at t = 0)
  LstmCache lstm;                 // gates, c, tanh_c, h, h_prev (its out/mask unused)
  std::vector<float> query;       // [rows, A] y
  std::vector<float> weights;     // [rows, L] softmax a
  std::vector<float> attns;       // [rows, A] new attns
  std::vector<float> output;      // [rows, A] before dropout: what the window stores
  std::vector<float> features;    // [rows, A] output · attn_w, the window's keys
  std::vector<float> out;         // [rows, A] after dropout: the layer's output
  std::vector<float> mask;        // [rows, A] 0 or 1/keep; empty when keep == 1
};

// Forward over a packed batch; `dropout_mask` [rows, A] of 0 or 1/keep, or nullptr.
void attention_forward(const AttentionShape& s, const AttentionParams& p, const LstmInput& x, const PackedBatch& b,
                       const float* dropout_mask, AttentionCache& cache);

// Backward from d_out [rows, A] (the gradient w.r.t. the layer output, after dropout). Accumulates
// into every gradient of `g`; writes d_x [rows, in] when non-null (dense inputs only).
void attention_backward(const AttentionShape& s, const AttentionParams& p, const LstmInput& x, const PackedBatch& b,
                        const AttentionCache& cache, const float* d_out, const AttentionGrads& g, float* d_x);

// Half-float copies of the kernels for single-stream steps (ml/half_gemv.h); empty = float32.
struct AttentionHalfKernels {
  const uint16_t* in_kernel = nullptr;
  const uint16_t* lstm_kernel = nullptr;
  const uint16_t* attn_w = nullptr;
  const uint16_t* query_kernel = nullptr;
  const uint16_t* out_kernel = nullptr;
};

// The streaming state of n streams. The window is a ring per stream: `head[i]` is the slot of
// stream i's oldest entry; `features` caches window · attn_w slot by slot so a step costs one
// [A, A] product, not L of them.
struct AttentionStreams {
  float* c = nullptr;         // [n, H]
  float* h = nullptr;         // [n, H]
  float* attns = nullptr;     // [n, A]
  float* window = nullptr;    // [n, L, A]
  float* features = nullptr;  // [n, L, A]
  int* head = nullptr;        // [n]
};

// Floats of scratch attention_step needs for n streams.
size_t attention_step_scratch(const AttentionShape& s, int n);

// One step for streams [0, n): updates their state and writes the layer output [n, A]. `half`
// (nullable) is used when n == 1. Allocation-free.
void attention_step(const AttentionShape& s, const AttentionParams& p, const AttentionHalfKernels* half,
                    const LstmInput& x, int n, const AttentionStreams& st, float* out, float* scratch);

}  // namespace drumrnn
