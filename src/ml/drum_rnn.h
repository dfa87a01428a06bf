// The drum RNN: stacked LSTM layers (ml/lstm.h) then a linear layer to the config's classes. With
// attn_length > 0 the first layer is wrapped in Magenta's attention cell (ml/attention.h), or with
// attn_wraps_stack the whole stack (Magenta's old layout, as in the published drum_kit_rnn.mag).
// Parameters use TensorFlow's variable names, so a Magenta checkpoint maps onto them one to one.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ml/attention.h"
#include "ml/lstm.h"
#include "ml/param_table.h"
#include "music/drum_encoding.h"

namespace drumrnn {

struct DrumRnnShape {
  const DrumConfig* config = nullptr;
  std::vector<int> layer_sizes;
  int attn_length = 0;  // > 0: Magenta's AttentionCellWrapper around layer 0
  // With attn_length > 0: the wrapper around the whole MultiRNNCell instead (the old layout, names
  // under "rnn/attention_cell_wrapper/"); at most kMaxWrappedLayers layers.
  bool attn_wraps_stack = false;
  int input_size() const { return config->input_size; }
  int num_classes() const { return config->num_classes; }
};

class DrumRnn {
 public:
  explicit DrumRnn(DrumRnnShape shape);
  DrumRnn(const DrumRnn&) = delete;
  DrumRnn& operator=(const DrumRnn&) = delete;

  // TensorFlow's defaults: Glorot-uniform kernels (attn_w and attn_v too), zero biases.
  void init_glorot(uint64_t seed);

  const DrumRnnShape& shape() const { return shape_; }
  const ParamTable& table() const { return table_; }
  ParamBuffer& params() { return params_; }
  const ParamBuffer& params() const { return params_; }

  int layers() const { return static_cast<int>(shape_.layer_sizes.size()); }
  // Layer l's LSTM (with attention, layer 0's LSTM is fed the attention's input projection, whose
  // width is the layer input's: the shape is the same).
  LstmShape layer_shape(int l) const;
  bool has_attention() const { return shape_.attn_length > 0; }
  bool attention_wraps_stack() const { return has_attention() && shape_.attn_wraps_stack; }
  // The LSTM layers inside the attention wrapper: 1, or layers() for the old layout.
  int wrapped_layers() const { return attention_wraps_stack() ? layers() : has_attention() ? 1 : 0; }
  // A = attn_size, the wrapped cell's output size (layer 0's units, or the top layer's).
  int attention_size() const { return attention_shape_.attn(); }
  const AttentionShape& attention_shape() const { return attention_shape_; }
  AttentionParams attention_params() const;             // valid when has_attention()
  AttentionGrads attention_grads(ParamBuffer& grads) const;  // the same views in a gradient buffer
  size_t kernel_index(int l) const { return kernel_[l]; }
  size_t bias_index(int l) const { return bias_[l]; }
  size_t fc_weights_index() const { return fc_w_; }
  size_t fc_biases_index() const { return fc_b_; }
  const float* data(size_t index) const { return params_.view(index).data(); }

  // Floats of recurrent state per stream: c and h for every layer, plus the attention's state (see
  // ml/attention.h for the layout).
  size_t state_size() const;

 private:
  DrumRnnShape shape_;
  ParamTable table_;
  ParamBuffer params_;
  std::vector<size_t> kernel_, bias_;
  size_t fc_w_ = 0, fc_b_ = 0;
  AttentionShape attention_shape_;
  // Attention tensors: in kernel, in bias, attn_w, attn_v, query kernel, query bias, out kernel, out bias.
  std::vector<size_t> attn_;
  // attention_params() / attention_grads(): the attention tensors' places in a buffer of this layout.
  template <typename T>
  AttentionTensors<T> attention_views(T* buffer) const;
};

// Inference for n independent streams, one step at a time (generation, beam search, live play).
// All buffers are sized once; step() does not allocate. Derived weights (half copies, attention's
// folded input kernel) are made at construction: make a new stepper after changing the model.
class DrumRnnStepper {
 public:
  // half_weights: single-stream steps read a half-float copy of the weights (about half the time at
  // batch 1, where a step is bound by memory; logits within ~1e-2 of float32). Batched steps always
  // use the float32 BLAS path.
  DrumRnnStepper(const DrumRnn& model, int max_streams, bool half_weights = false);
  // Zero state for every stream.
  void reset();
  // Feeds one event per stream (class index, position in its event list) and writes logits
  // [n, num_classes]. Streams [0, n) advance; state is per stream. Throws std::invalid_argument when n
  // exceeds max_streams() or a class is out of range (before touching any state).
  void step(const int* classes, const int64_t* positions, int n, float* logits);
  // Copies the recurrent state of stream `from` to stream `to` (beam search forks).
  void copy_state(int from, int to);
  // A stream's state as model().state_size() floats (c then h, layer by layer), and back.
  void get_state(int stream, float* out) const;
  void set_state(int stream, const float* in);
  const DrumRnn& model() const { return model_; }
  int max_streams() const { return max_streams_; }

 private:
  void check_stream(int stream) const;  // std::invalid_argument outside [0, max_streams)

  const DrumRnn& model_;
  int max_streams_;
  std::vector<std::vector<float>> c_, h_;  // per layer, [max_streams, H]
  // Attention state (empty without attention): attns [max_streams, A], window and cached keys
  // [max_streams, L, A], ring heads, and the layer's output [max_streams, A].
  std::vector<float> attns_, window_, features_, attn_out_, attn_scratch_;
  std::vector<int> head_;
  std::vector<std::vector<uint16_t>> attn_half_;  // attn_w, query, out kernels; empty unless half_weights
  AttentionHalfKernels attn_half_kernels_;
  AttentionFolded attn_folded_;            // Linear1 folded into layer 0, from the weights at construction
  std::vector<float> scratch_;             // [max_streams, 4 * max H]
  std::vector<std::vector<uint16_t>> kernel_half_;  // per layer, empty unless half_weights
  std::vector<uint16_t> fc_half_;
  SparseRows input_rows_;                  // reused for layer 0
};

}  // namespace drumrnn
