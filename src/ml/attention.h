// Magenta's AttentionCellWrapper (magenta/contrib/rnn.py, Magenta 2.x) around the FIRST LSTM layer
// only (events_rnn_graph.make_rnn_cell: attention wraps cell 0 when attn_length > 0), or, for older
// models, around the whole stack (the old layout, below): the same code with more wrapped layers.
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
// "fully_connected/{weights,biases}".
//
// The OLD layout (Magenta before 2017-05-24, events_rnn_graph.make_rnn_cell at magenta 3304b6dc^, and
// so the published drum_kit_rnn.mag as magenta-js reads it) wraps the WHOLE MultiRNNCell of
// DropoutWrapper(BasicLSTMCell) layers (DrumRnnShape::attn_wraps_stack). Checked by building it in
// TF 2.21 + magenta 2.1.4 (tests/fixtures/make_magenta_stack_attention_fixture.py); A = the TOP
// layer's units, Q = Σ_l 2·H_l:
//   S = "rnn/attention_cell_wrapper/"
//   S "kernel" [in + A, in], S "bias" [in]                       Linear1, as above
//   S "multi_rnn_cell/cell_<l>/basic_lstm_cell/{kernel,bias}"    every layer, inside the wrapper
//   S "attention/{attn_w [1, 1, A, A], attn_v [A], kernel [Q, A], bias [A]}"
//   S "attn_output_projection/{kernel [H_top + A, A], bias [A]}"
// The step is the one below with the whole stack as the cell: layer 0 is fed x', layer l the
// output of layer l - 1; the query is the flattened stack state (c0, h0, c1, h1, ...); Linear2 reads
// the top layer's output. Dropout sits on every layer's output INSIDE the wrapper (the top's
// included, so Linear2 sees it dropped), never on the state the query reads, and not on the
// wrapper's output, which feeds the logits.
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
//   state steps exactly as the original would. Old layout: c, h for every layer, then attns,
//   attn_states, then the cached keys.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "ml/lstm.h"
#include "ml/packed_batch.h"

namespace drumrnn {

// The most LSTM layers one wrapper holds (fixed, so shapes and views stay allocation-free).
constexpr int kMaxWrappedLayers = 8;

// The wrapped cell: `layers` LSTMs, layer 0 fed x' (width `in`), layer k the output of layer k - 1.
// One layer for Magenta 2.x's cell-0 layout, the whole stack for the old one.
struct AttentionShape {
  int in = 0;      // the wrapper's input width
  int layers = 1;  // LSTM layers inside the wrapper
  std::array<int, kMaxWrappedLayers> units{};  // their H; A = attn_size = the top one's
  int length = 0;  // L = attn_length
  int attn() const { return units[layers - 1]; }
  int query() const;  // Σ 2·units: the flattened (c, h) of every wrapped layer
  LstmShape lstm(int k) const { return {k == 0 ? in : units[k - 1], units[k]}; }
};

// Pointers into the parameter buffer (AttentionParams) or into a gradient buffer with the same
// layout (AttentionGrads).
template <typename T>
struct AttentionTensors {
  T* in_kernel = nullptr;    // [in + A, in]
  T* in_bias = nullptr;      // [in]
  std::array<T*, kMaxWrappedLayers> lstm_kernel{};  // layer k: [in_k + H_k, 4H_k]
  std::array<T*, kMaxWrappedLayers> lstm_bias{};    // [4H_k]
  T* attn_w = nullptr;       // [A, A]
  T* attn_v = nullptr;       // [A]
  T* query_kernel = nullptr; // [Q, A]
  T* query_bias = nullptr;   // [A]
  T* out_kernel = nullptr;   // [H_top + A, A]
  T* out_bias = nullptr;     // [A]
};
using AttentionParams = AttentionTensors<const float>;
using AttentionGrads = AttentionTensors<float>;

// Linear1 folded into layer 0's input kernel Wx: x' = [x, attns]·K1 + b1 feeds only that LSTM, so its
// gates are x·(K1x·Wx) + attns·(K1a·Wx) + (b + b1·Wx) + h·Wh, and no step needs the in-wide x'.
struct AttentionFolded {
  std::vector<float> in_kernel;    // [in, 4H_0] K1x · Wx
  std::vector<float> attn_kernel;  // [A, 4H_0] K1a · Wx
  std::vector<float> bias;         // [4H_0] layer 0's bias + b1 · Wx
  std::vector<uint16_t> in_kernel_half, attn_kernel_half;  // half copies for single-stream steps, or empty
};
// Computes the folded kernels from the current parameters (allocates; off the real-time path).
void fold_attention_input(const AttentionShape& s, const AttentionParams& p, AttentionFolded& out);

// What the backward pass needs from the forward pass over a packed batch.
struct AttentionCache {
  AttentionFolded folded;         // Linear1 folded into layer 0's input kernel
  std::vector<float> attns_prev;  // [rows, A] attns entering the step (0 at t = 0)
  // Per wrapped layer: gates, c, tanh_c, h, h_prev; out and mask when the layer's output is dropped
  // (the old layout's dropout inside the wrapper).
  std::vector<LstmCache> lstm;
  std::vector<float> query;       // [rows, A] y
  std::vector<float> weights;     // [rows, L] softmax a
  std::vector<float> attns;       // [rows, A] new attns
  std::vector<float> output;      // [rows, A] before dropout: what the window stores
  std::vector<float> features;    // [rows, A] output · attn_w, the window's keys
  std::vector<float> out;         // [rows, A] after dropout: the wrapper's output
  std::vector<float> mask;        // [rows, A] 0 or 1/keep; empty when keep == 1
};

// Dropout masks (0 or 1/keep per unit; nullptr = none): `output` on the wrapper's output [rows, A]
// (the cell-0 layout, where the DropoutWrapper wraps the attention cell), `layer[k]` on wrapped layer
// k's output [rows, H_k] (the old layout, DropoutWrapper around each LSTM inside the MultiRNNCell).
struct AttentionDropout {
  const float* output = nullptr;
  std::array<const float*, kMaxWrappedLayers> layer{};
};

// Forward over a packed batch.
void attention_forward(const AttentionShape& s, const AttentionParams& p, const LstmInput& x, const PackedBatch& b,
                       const AttentionDropout& dropout, AttentionCache& cache);

// Backward from d_out [rows, A] (the gradient w.r.t. the wrapper output, after any output dropout).
// Accumulates into every gradient of `g`; writes d_x [rows, in] when non-null (dense inputs only).
void attention_backward(const AttentionShape& s, const AttentionParams& p, const LstmInput& x, const PackedBatch& b,
                        const AttentionCache& cache, const float* d_out, const AttentionGrads& g, float* d_x);

// Half-float copies of the kernels for single-stream steps (ml/half_gemv.h); empty = float32.
// Linear1 has none: the step reads it folded (AttentionFolded's half copies).
struct AttentionHalfKernels {
  std::array<const uint16_t*, kMaxWrappedLayers> lstm_kernel{};
  const uint16_t* attn_w = nullptr;
  const uint16_t* query_kernel = nullptr;
  const uint16_t* out_kernel = nullptr;
};

// The streaming state of n streams. The window is a ring per stream: `head[i]` is the slot of
// stream i's oldest entry; `features` caches window · attn_w slot by slot so a step costs one
// [A, A] product, not L of them.
struct AttentionStreams {
  std::array<float*, kMaxWrappedLayers> c{};  // per wrapped layer, [n, H_k]
  std::array<float*, kMaxWrappedLayers> h{};  // [n, H_k]
  float* attns = nullptr;     // [n, A]
  float* window = nullptr;    // [n, L, A]
  float* features = nullptr;  // [n, L, A]
  int* head = nullptr;        // [n]
};

// Floats of scratch attention_step needs for n streams.
size_t attention_step_scratch(const AttentionShape& s, int n);

// One step for streams [0, n): updates their state and writes the wrapper's output [n, A]. `half`
// (nullable) is used when n == 1. `folded` holds Linear1 (fold_attention_input of the same
// parameters; the stepper, ml/drum_rnn.h, folds once). Allocation-free.
void attention_step(const AttentionShape& s, const AttentionParams& p, const AttentionHalfKernels* half,
                    const AttentionFolded& folded, const LstmInput& x, int n, const AttentionStreams& st, float* out,
                    float* scratch);

}  // namespace drumrnn
