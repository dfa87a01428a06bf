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
  int in = shape_.input_size();
  for (int l = 0; l < layers(); ++l) {
    const size_t H = shape_.layer_sizes[l];
    const std::string scope = "rnn/multi_rnn_cell/cell_" + std::to_string(l) + "/basic_lstm_cell/";
    kernel_.push_back(table_.add(scope + "kernel", {size_t(in) + H, 4 * H}));
    bias_.push_back(table_.add(scope + "bias", {4 * H}));
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
  for (size_t index : kernels) {
    const auto& v = table_.views()[index];
    const double limit = std::sqrt(6.0 / double(v.shape[0] + v.shape[1]));
    std::uniform_real_distribution<float> u(-float(limit), float(limit));
    for (float& w : params_.view(index)) w = u(rng);
  }
}

LstmShape DrumRnn::layer_shape(int l) const {
  return {l == 0 ? shape_.input_size() : shape_.layer_sizes[l - 1], shape_.layer_sizes[l]};
}

size_t DrumRnn::state_size() const {
  size_t n = 0;
  for (int h : shape_.layer_sizes) n += 2 * size_t(h);
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
  input_rows_.clear(model.shape().input_size());
  input_rows_.row_start.reserve(max_streams + 1);
  input_rows_.index.reserve(size_t(max_streams) * (1 + model.shape().config->counter_bits));
  input_rows_.value.reserve(input_rows_.index.capacity());
}

void DrumRnnStepper::reset() {
  for (auto& c : c_) std::fill(c.begin(), c.end(), 0.0f);
  for (auto& h : h_) std::fill(h.begin(), h.end(), 0.0f);
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
}

void DrumRnnStepper::get_state(int stream, float* out) const {
  check_stream(stream);
  for (int l = 0; l < model_.layers(); ++l) {
    const size_t H = model_.shape().layer_sizes[l];
    out = std::copy_n(c_[l].data() + stream * H, H, out);
    out = std::copy_n(h_[l].data() + stream * H, H, out);
  }
}

void DrumRnnStepper::set_state(int stream, const float* in) {
  check_stream(stream);
  for (int l = 0; l < model_.layers(); ++l) {
    const size_t H = model_.shape().layer_sizes[l];
    std::copy_n(in, H, c_[l].data() + stream * H);
    in += H;
    std::copy_n(in, H, h_[l].data() + stream * H);
    in += H;
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
