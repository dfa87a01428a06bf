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
  int in = shape_.input_size();
  for (int l = 0; l < layers(); ++l) {
    const size_t H = shape_.layer_sizes[l];
    std::string scope = "rnn/multi_rnn_cell/cell_" + std::to_string(l) + "/";
    if (l == 0 && has_attention()) {
      // TF's creation order (ml/attention.h): Linear1, the LSTM, the attention, the output projection.
      const std::string wrapper = scope + "attention_cell_wrapper/";
      const size_t A = H;
      attn_.push_back(table_.add(wrapper + "kernel", {size_t(in) + A, size_t(in)}));
      attn_.push_back(table_.add(wrapper + "bias", {size_t(in)}));
      kernel_.push_back(table_.add(wrapper + "basic_lstm_cell/kernel", {size_t(in) + H, 4 * H}));
      bias_.push_back(table_.add(wrapper + "basic_lstm_cell/bias", {4 * H}));
      attn_.push_back(table_.add(wrapper + "attention/attn_w", {1, 1, A, A}));
      attn_.push_back(table_.add(wrapper + "attention/attn_v", {A}));
      attn_.push_back(table_.add(wrapper + "attention/kernel", {2 * H, A}));
      attn_.push_back(table_.add(wrapper + "attention/bias", {A}));
      attn_.push_back(table_.add(wrapper + "attn_output_projection/kernel", {H + A, A}));
      attn_.push_back(table_.add(wrapper + "attn_output_projection/bias", {A}));
    } else {
      kernel_.push_back(table_.add(scope + "basic_lstm_cell/kernel", {size_t(in) + H, 4 * H}));
      bias_.push_back(table_.add(scope + "basic_lstm_cell/bias", {4 * H}));
    }
    in = static_cast<int>(H);
  }
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

AttentionShape DrumRnn::attention_shape() const {
  return {shape_.input_size(), shape_.layer_sizes[0], shape_.attn_length};
}

AttentionParams DrumRnn::attention_params() const {
  return {data(attn_[0]), data(attn_[1]), data(kernel_[0]), data(bias_[0]), data(attn_[2]),
          data(attn_[3]), data(attn_[4]), data(attn_[5]),  data(attn_[6]),  data(attn_[7])};
}

AttentionGrads DrumRnn::attention_grads(ParamBuffer& g) const {
  auto at = [&](size_t index) { return g.view(index).data(); };
  return {at(attn_[0]), at(attn_[1]), at(kernel_[0]), at(bias_[0]), at(attn_[2]),
          at(attn_[3]), at(attn_[4]), at(attn_[5]),  at(attn_[6]),  at(attn_[7])};
}

size_t DrumRnn::state_size() const {
  size_t n = 0;
  for (int h : shape_.layer_sizes) n += 2 * size_t(h);
  if (has_attention()) n += size_t(shape_.layer_sizes[0]) * (1 + 2 * size_t(shape_.attn_length));
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
    const AttentionShape a = model.attention_shape();
    const size_t A = a.units, L = a.length;
    attns_.assign(size_t(max_streams) * A, 0.0f);
    window_.assign(size_t(max_streams) * L * A, 0.0f);
    features_.assign(size_t(max_streams) * L * A, 0.0f);
    attn_out_.assign(size_t(max_streams) * A, 0.0f);
    head_.assign(max_streams, 0);
    attn_scratch_.resize(attention_step_scratch(a, max_streams));
    if (half_weights) {
      const AttentionParams p = model.attention_params();
      const size_t in = a.in;
      attn_half_.push_back(to_half(p.in_kernel, (in + A) * in));
      attn_half_.push_back(to_half(p.attn_w, A * A));
      attn_half_.push_back(to_half(p.query_kernel, 2 * A * A));
      attn_half_.push_back(to_half(p.out_kernel, 2 * A * A));
      attn_half_kernels_ = {attn_half_[0].data(), kernel_half_[0].data(), attn_half_[1].data(), attn_half_[2].data(),
                            attn_half_[3].data()};
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
    const size_t A = model_.shape().layer_sizes[0], LA = A * model_.shape().attn_length;
    std::memcpy(attns_.data() + to * A, attns_.data() + from * A, A * sizeof(float));
    std::memcpy(window_.data() + to * LA, window_.data() + from * LA, LA * sizeof(float));
    std::memcpy(features_.data() + to * LA, features_.data() + from * LA, LA * sizeof(float));
    head_[to] = head_[from];
  }
}

void DrumRnnStepper::get_state(int stream, float* out) const {
  check_stream(stream);
  const size_t A = model_.shape().layer_sizes[0], L = model_.shape().attn_length;
  // The ring read out oldest slot first.
  auto ring_out = [&](const std::vector<float>& ring, float* dst) {
    const size_t head = size_t(head_[stream]);
    const float* src = ring.data() + stream * L * A;
    dst = std::copy_n(src + head * A, (L - head) * A, dst);
    return std::copy_n(src, head * A, dst);
  };
  for (int l = 0; l < model_.layers(); ++l) {
    const size_t H = model_.shape().layer_sizes[l];
    out = std::copy_n(c_[l].data() + stream * H, H, out);
    out = std::copy_n(h_[l].data() + stream * H, H, out);
    if (l == 0 && model_.has_attention()) {
      out = std::copy_n(attns_.data() + stream * A, A, out);
      out = ring_out(window_, out);
    }
  }
  if (model_.has_attention()) ring_out(features_, out);
}

void DrumRnnStepper::set_state(int stream, const float* in) {
  check_stream(stream);
  const size_t A = model_.shape().layer_sizes[0], LA = A * model_.shape().attn_length;
  for (int l = 0; l < model_.layers(); ++l) {
    const size_t H = model_.shape().layer_sizes[l];
    std::copy_n(in, H, c_[l].data() + stream * H);
    in += H;
    std::copy_n(in, H, h_[l].data() + stream * H);
    in += H;
    if (l == 0 && model_.has_attention()) {
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
      const AttentionStreams st{c_[0].data(), h_[0].data(), attns_.data(), window_.data(), features_.data(),
                                head_.data()};
      attention_step(model_.attention_shape(), model_.attention_params(), half ? &attn_half_kernels_ : nullptr, x, n,
                     st, attn_out_.data(), attn_scratch_.data());
      x = LstmInput{attn_out_.data(), nullptr};
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
  // Logits = h_last · W_fc + b.
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
