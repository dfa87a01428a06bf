#include "ml/drum_rnn.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

#include "ml/half_gemv.h"

namespace drumrnn {

DrumRnn::DrumRnn(DrumRnnShape shape) : shape_(std::move(shape)), params_(table_) {
  if (shape_.attn_length < 0) throw std::invalid_argument("DrumRnn: attn_length must be >= 0");
  if (shape_.layer_sizes.empty()) throw std::invalid_argument("DrumRnn: no layers");
  const bool stack = attention_wraps_stack();
  if (stack && layers() > kMaxWrappedLayers)
    throw std::invalid_argument("DrumRnn: attention around the whole stack takes at most " +
                                std::to_string(kMaxWrappedLayers) + " layers");
  const size_t in0 = shape_.input_size();
  if (has_attention()) {
    attention_shape_.in = int(in0);
    attention_shape_.layers = wrapped_layers();
    for (int k = 0; k < attention_shape_.layers; ++k) attention_shape_.units[k] = shape_.layer_sizes[k];
    attention_shape_.length = shape_.attn_length;
  }
  const size_t A = has_attention() ? size_t(attention_shape_.attn()) : 0;
  // TF's creation order (ml/attention.h): Linear1, the wrapped LSTM(s), the attention, the output projection.
  auto add_attention_head = [&](const std::string& wrapper) {
    attn_.push_back(table_.add(wrapper + "attention/attn_w", {1, 1, A, A}));
    attn_.push_back(table_.add(wrapper + "attention/attn_v", {A}));
    attn_.push_back(table_.add(wrapper + "attention/kernel", {size_t(attention_shape_.query()), A}));
    attn_.push_back(table_.add(wrapper + "attention/bias", {A}));
    attn_.push_back(table_.add(wrapper + "attn_output_projection/kernel", {size_t(attention_shape_.units[attention_shape_.layers - 1]) + A, A}));
    attn_.push_back(table_.add(wrapper + "attn_output_projection/bias", {A}));
  };
  const std::string stack_wrapper = "rnn/attention_cell_wrapper/";
  if (stack) {
    attn_.push_back(table_.add(stack_wrapper + "kernel", {in0 + A, in0}));
    attn_.push_back(table_.add(stack_wrapper + "bias", {in0}));
  }
  int in = shape_.input_size();
  for (int l = 0; l < layers(); ++l) {
    const size_t H = shape_.layer_sizes[l];
    const std::string scope = (stack ? stack_wrapper : std::string("rnn/")) + "multi_rnn_cell/cell_" + std::to_string(l) + "/";
    if (l == 0 && has_attention() && !stack) {
      const std::string wrapper = scope + "attention_cell_wrapper/";
      attn_.push_back(table_.add(wrapper + "kernel", {size_t(in) + A, size_t(in)}));
      attn_.push_back(table_.add(wrapper + "bias", {size_t(in)}));
      kernel_.push_back(table_.add(wrapper + "basic_lstm_cell/kernel", {size_t(in) + H, 4 * H}));
      bias_.push_back(table_.add(wrapper + "basic_lstm_cell/bias", {4 * H}));
      add_attention_head(wrapper);
    } else {
      kernel_.push_back(table_.add(scope + "basic_lstm_cell/kernel", {size_t(in) + H, 4 * H}));
      bias_.push_back(table_.add(scope + "basic_lstm_cell/bias", {4 * H}));
    }
    in = static_cast<int>(H);
  }
  if (stack) add_attention_head(stack_wrapper);
  fc_w_ = table_.add("fully_connected/weights", {size_t(in), size_t(shape_.num_classes())});
  fc_b_ = table_.add("fully_connected/biases", {size_t(shape_.num_classes())});
  params_ = ParamBuffer(table_);
}

void DrumRnn::init_glorot(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::fill(params_.data.begin(), params_.data.end(), 0.0f);
  std::vector<size_t> kernels = kernel_;
  kernels.push_back(fc_w_);
  if (has_attention())  // every attention tensor but the biases (TF's get_variable default)
    for (int k : {0, 2, 3, 4, 6}) kernels.push_back(attn_[k]);
  for (size_t index : kernels) {
    const auto& v = table_.views()[index];
    // TF's fans: [n] -> n, n; [in, out]; [kh, kw, in, out] -> in·kh·kw, out·kh·kw.
    double fan_in = double(v.shape[0]), fan_out = double(v.shape[0]);
    if (v.shape.size() == 2) fan_out = double(v.shape[1]);
    if (v.shape.size() == 4) {
      const double field = double(v.shape[0] * v.shape[1]);
      fan_in = double(v.shape[2]) * field;
      fan_out = double(v.shape[3]) * field;
    }
    const double limit = std::sqrt(6.0 / (fan_in + fan_out));
    std::uniform_real_distribution<float> u(-float(limit), float(limit));
    for (float& w : params_.view(index)) w = u(rng);
  }
}

LstmShape DrumRnn::layer_shape(int l) const {
  return {l == 0 ? shape_.input_size() : shape_.layer_sizes[l - 1], shape_.layer_sizes[l]};
}

template <typename T>
AttentionTensors<T> DrumRnn::attention_views(T* buffer) const {
  auto at = [&](size_t index) { return buffer + table_.views()[index].offset; };
  AttentionTensors<T> v;
  v.in_kernel = at(attn_[0]);
  v.in_bias = at(attn_[1]);
  for (int k = 0; k < wrapped_layers(); ++k) {
    v.lstm_kernel[k] = at(kernel_[k]);
    v.lstm_bias[k] = at(bias_[k]);
  }
  v.attn_w = at(attn_[2]);
  v.attn_v = at(attn_[3]);
  v.query_kernel = at(attn_[4]);
  v.query_bias = at(attn_[5]);
  v.out_kernel = at(attn_[6]);
  v.out_bias = at(attn_[7]);
  return v;
}

AttentionParams DrumRnn::attention_params() const { return attention_views<const float>(params_.data.data()); }
AttentionGrads DrumRnn::attention_grads(ParamBuffer& g) const { return attention_views<float>(g.data.data()); }

size_t DrumRnn::state_size() const {
  size_t n = 0;
  for (int h : shape_.layer_sizes) n += 2 * size_t(h);
  if (has_attention()) n += size_t(attention_size()) * (1 + 2 * size_t(shape_.attn_length));
  return n;
}

DrumRnnStepper::DrumRnnStepper(const DrumRnn& model, int max_streams, bool half_weights)
    : model_(model), max_streams_(max_streams) {
  if (max_streams < 1) throw std::invalid_argument("DrumRnnStepper: max_streams must be at least 1");
  if (half_weights) {
    for (int l = 0; l < model.layers(); ++l) {
      const auto w = model.params().view(model.kernel_index(l));
      kernel_half_.push_back(to_half(w.data(), w.size()));
    }
    const auto fc = model.params().view(model.fc_weights_index());
    fc_half_ = to_half(fc.data(), fc.size());
  }
  int max_h = 0;
  for (int l = 0; l < model.layers(); ++l) {
    const int H = model.shape().layer_sizes[l];
    c_.emplace_back(size_t(max_streams) * H, 0.0f);
    h_.emplace_back(size_t(max_streams) * H, 0.0f);
    max_h = std::max(max_h, H);
  }
  scratch_.resize(size_t(max_streams) * 4 * max_h);
  if (model.has_attention()) {
    const AttentionShape& a = model.attention_shape();
    const size_t A = a.attn(), L = a.length;
    attns_.assign(size_t(max_streams) * A, 0.0f);
    window_.assign(size_t(max_streams) * L * A, 0.0f);
    features_.assign(size_t(max_streams) * L * A, 0.0f);
    attn_out_.assign(size_t(max_streams) * A, 0.0f);
    head_.assign(max_streams, 0);
    attn_scratch_.resize(attention_step_scratch(a, max_streams));
    fold_attention_input(a, model.attention_params(), attn_folded_);
    if (half_weights) {
      attn_folded_.in_kernel_half = to_half(attn_folded_.in_kernel.data(), attn_folded_.in_kernel.size());
      attn_folded_.attn_kernel_half = to_half(attn_folded_.attn_kernel.data(), attn_folded_.attn_kernel.size());
      const AttentionParams p = model.attention_params();
      // Linear1's kernel is folded into layer 0 (attn_folded_), so it needs no half copy.
      attn_half_.push_back(to_half(p.attn_w, A * A));
      attn_half_.push_back(to_half(p.query_kernel, size_t(a.query()) * A));
      attn_half_.push_back(to_half(p.out_kernel, (size_t(a.units[a.layers - 1]) + A) * A));
      for (int k = 0; k < a.layers; ++k) attn_half_kernels_.lstm_kernel[k] = kernel_half_[k].data();
      attn_half_kernels_.attn_w = attn_half_[0].data();
      attn_half_kernels_.query_kernel = attn_half_[1].data();
      attn_half_kernels_.out_kernel = attn_half_[2].data();
    }
  }
  input_rows_.clear(model.shape().input_size());
  input_rows_.row_start.reserve(max_streams + 1);
  input_rows_.index.reserve(size_t(max_streams) * (1 + model.shape().config->counter_bits));
  input_rows_.value.reserve(input_rows_.index.capacity());
}

void DrumRnnStepper::reset() {
  for (auto& c : c_) std::fill(c.begin(), c.end(), 0.0f);
  for (auto& h : h_) std::fill(h.begin(), h.end(), 0.0f);
  std::fill(attns_.begin(), attns_.end(), 0.0f);
  std::fill(window_.begin(), window_.end(), 0.0f);
  std::fill(features_.begin(), features_.end(), 0.0f);
  std::fill(head_.begin(), head_.end(), 0);
}

void DrumRnnStepper::check_stream(int stream) const {
  if (stream < 0 || stream >= max_streams_)
    throw std::invalid_argument("DrumRnnStepper: stream " + std::to_string(stream) + " outside [0, " +
                                std::to_string(max_streams_) + ")");
}

void DrumRnnStepper::copy_state(int from, int to) {
  check_stream(from);
  check_stream(to);
  for (int l = 0; l < model_.layers(); ++l) {
    const size_t H = model_.shape().layer_sizes[l];
    std::memcpy(c_[l].data() + to * H, c_[l].data() + from * H, H * sizeof(float));
    std::memcpy(h_[l].data() + to * H, h_[l].data() + from * H, H * sizeof(float));
  }
  if (model_.has_attention()) {
    const size_t A = model_.attention_size(), LA = A * model_.shape().attn_length;
    std::memcpy(attns_.data() + to * A, attns_.data() + from * A, A * sizeof(float));
    std::memcpy(window_.data() + to * LA, window_.data() + from * LA, LA * sizeof(float));
    std::memcpy(features_.data() + to * LA, features_.data() + from * LA, LA * sizeof(float));
    head_[to] = head_[from];
  }
}

void DrumRnnStepper::get_state(int stream, float* out) const {
  check_stream(stream);
  const size_t A = model_.attention_size(), L = model_.shape().attn_length;
  // After the wrapped layers' c, h: attns and the window (TF's state tuple order).
  const int attn_after = model_.wrapped_layers() - 1;
  // The ring read out oldest slot first.
  auto ring_out = [&](const std::vector<float>& ring, float* dst) {
    const size_t head = std::min(size_t(head_[stream]), L);  // always < L; the bound tells GCC so
    const float* src = ring.data() + stream * L * A;
    dst = std::copy_n(src + head * A, (L - head) * A, dst);
    return std::copy_n(src, head * A, dst);
  };
  for (int l = 0; l < model_.layers(); ++l) {
    const size_t H = model_.shape().layer_sizes[l];
    out = std::copy_n(c_[l].data() + stream * H, H, out);
    out = std::copy_n(h_[l].data() + stream * H, H, out);
    if (l == attn_after) {
      out = std::copy_n(attns_.data() + stream * A, A, out);
      out = ring_out(window_, out);
    }
  }
  if (model_.has_attention()) ring_out(features_, out);
}

void DrumRnnStepper::set_state(int stream, const float* in) {
  check_stream(stream);
  const size_t A = model_.attention_size(), LA = A * model_.shape().attn_length;
  const int attn_after = model_.wrapped_layers() - 1;
  for (int l = 0; l < model_.layers(); ++l) {
    const size_t H = model_.shape().layer_sizes[l];
    std::copy_n(in, H, c_[l].data() + stream * H);
    in += H;
    std::copy_n(in, H, h_[l].data() + stream * H);
    in += H;
    if (l == attn_after) {
      std::copy_n(in, A, attns_.data() + stream * A);
      in += A;
      std::copy_n(in, LA, window_.data() + stream * LA);
      in += LA;
    }
  }
  if (model_.has_attention()) {
    std::copy_n(in, LA, features_.data() + stream * LA);
    head_[stream] = 0;
  }
}

void DrumRnnStepper::step(const int* classes, const int64_t* positions, int n, float* logits) {
  const DrumConfig& config = *model_.shape().config;
  // Misuse, never a real-time condition: checked before anything is written (the buffers are sized
  // for max_streams, and a class indexes the kernel's rows).
  if (n < 0 || n > max_streams_)
    throw std::invalid_argument("DrumRnnStepper::step: " + std::to_string(n) + " streams, capacity " +
                                std::to_string(max_streams_));
  for (int s = 0; s < n; ++s)
    if (classes[s] < 0 || classes[s] >= config.num_classes)
      throw std::invalid_argument("DrumRnnStepper::step: class " + std::to_string(classes[s]) + " outside [0, " +
                                  std::to_string(config.num_classes) + ")");
  // Layer 0 input: the event's one-hot plus the position counters, kept sparse (capacity reserved).
  input_rows_.row_start.resize(1);
  input_rows_.index.clear();
  input_rows_.value.clear();
  for (int s = 0; s < n; ++s) {
    input_rows_.index.push_back(classes[s]);
    input_rows_.value.push_back(1.0f);
    const uint64_t next = uint64_t(positions[s]) + 1;
    for (int i = 0; i < config.counter_bits; ++i) {
      input_rows_.index.push_back(config.num_classes + i);
      input_rows_.value.push_back(((next >> i) & 1) ? 1.0f : -1.0f);
    }
    input_rows_.row_start.push_back(static_cast<int32_t>(input_rows_.index.size()));
  }
  LstmInput x{nullptr, &input_rows_};
  const bool half = n == 1 && !fc_half_.empty();
  for (int l = 0; l < model_.layers(); ++l) {
    const LstmShape s = model_.layer_shape(l);
    if (l == 0 && model_.has_attention()) {
      // The wrapper runs its layers (layer 0, or the whole stack) and hands on its output.
      AttentionStreams st;
      for (int k = 0; k < model_.wrapped_layers(); ++k) {
        st.c[k] = c_[k].data();
        st.h[k] = h_[k].data();
      }
      st.attns = attns_.data();
      st.window = window_.data();
      st.features = features_.data();
      st.head = head_.data();
      attention_step(model_.attention_shape(), model_.attention_params(), half ? &attn_half_kernels_ : nullptr, attn_folded_, x, n,
                     st, attn_out_.data(), attn_scratch_.data());
      x = LstmInput{attn_out_.data(), nullptr};
      l = model_.wrapped_layers() - 1;
      continue;
    }
    if (half)
      lstm_step_half(s, model_.data(model_.kernel_index(l)), kernel_half_[l].data(), model_.data(model_.bias_index(l)),
                     x, c_[l].data(), h_[l].data(), scratch_.data());
    else
      lstm_step(s, model_.data(model_.kernel_index(l)), model_.data(model_.bias_index(l)), x, n, c_[l].data(),
                h_[l].data(), scratch_.data());
    x = LstmInput{h_[l].data(), nullptr};
  }
  // Logits = h_last (or the wrapper's output) · W_fc + b.
  const int H = model_.shape().layer_sizes.back(), C = model_.shape().num_classes();
  for (int s = 0; s < n; ++s) std::memcpy(logits + size_t(s) * C, model_.data(model_.fc_biases_index()), C * sizeof(float));
  if (half)
    half_gemv_accumulate(fc_half_.data(), x.dense, H, C, logits);
  else if (n == 1)
    cblas_sgemv(CblasRowMajor, CblasTrans, H, C, 1.0f, model_.data(model_.fc_weights_index()), C, x.dense, 1, 1.0f,
                logits, 1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, C, H, 1.0f, x.dense, H,
                model_.data(model_.fc_weights_index()), C, 1.0f, logits, C);
}

}  // namespace drumrnn
