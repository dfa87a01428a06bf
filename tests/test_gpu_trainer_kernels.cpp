// The GPU trainer's per-element arithmetic (ml/trainer_elementwise.h) and its TF -> cuDNN weight
// map (ml/cuda/cudnn_weight_map.h), run on the CPU over the same data as the CPU trainer: the
// kernels in ml/cuda/ call exactly these functions, so this runs everywhere, GPU or not.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "expect_close.h"
#include "ml/activations.h"
#include "ml/adam.h"
#include "ml/cpu_trainer.h"
#include "ml/cuda/cudnn_weight_map.h"
#include "ml/drum_rnn.h"
#include "ml/lstm.h"
#include "ml/softmax_xent.h"
#include "ml/trainer_elementwise.h"
#include "train_fixtures.h"

using namespace drumrnn;
using drumrnn::test::expect_close;

namespace {

std::vector<float> random_floats(size_t n, float scale, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// What the softmax kernel does for one row (a warp per row on the GPU): max and argmax with tf's
// tie rule, Σ e, the loss, the gradient.
double xent_row(const float* z, int C, int label, float grad_scale, float* d, bool& hit) {
  float zmax = z[0];
  int arg = 0;
  for (int c = 1; c < C; ++c)
    if (train::argmax_prefers(z[c], c, zmax, arg)) zmax = z[c], arg = c;
  float sum = 0;
  for (int c = 0; c < C; ++c) sum += train::xent_exp(z[c], zmax);
  for (int c = 0; c < C; ++c) d[c] = train::xent_grad(train::xent_exp(z[c], zmax), sum, c == label, grad_scale);
  hit = arg == label;
  return train::xent_row_loss(sum, z[label], zmax);
}

// A cuDNN-style layout for one layer: the eight matrices one after another, then the four input
// biases (cuDNN's own order may differ; the map takes whatever addresses cuDNN reports).
std::array<train::CudnnLinLayer, 8> canonical_layout(int in, int H, size_t& floats) {
  std::array<train::CudnnLinLayer, 8> lin;
  int64_t at = 0;
  for (int id = 0; id < 8; ++id) {
    lin[id].matrix_offset = at;
    at += int64_t(H) * (id < 4 ? in : H);
  }
  for (int id = 0; id < 4; ++id) {
    lin[id].bias_offset = at;
    at += H;
  }
  floats = size_t(at);
  return lin;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

TEST_CASE("softmax cross-entropy elements match the CPU trainer's softmax_xent", "[ml][gpu_kernels]") {
  const int rows = 37, C = 512;
  const std::vector<float> logits = random_floats(size_t(rows) * C, 2.0f, 3);
  std::vector<int32_t> labels(rows);
  for (int r = 0; r < rows; ++r) labels[r] = (r * 131) % C;
  labels[5] = 0;
  const float scale = 1.0f / rows;
  std::vector<float> d_cpu(logits.size());
  const XentTotals cpu = softmax_xent(logits.data(), labels.data(), rows, C, d_cpu.data(), scale);
  std::vector<float> d_gpu(logits.size());
  double loss = 0;
  int64_t correct = 0;
  for (int r = 0; r < rows; ++r) {
    bool hit = false;
    loss += xent_row(logits.data() + size_t(r) * C, C, labels[r], scale, d_gpu.data() + size_t(r) * C, hit);
    correct += hit;
  }
  expect_close("loss sum", loss, cpu.loss_sum, 1e-6, 0.0);
  CHECK(correct == cpu.correct);
  expect_close("d_logits", std::span<const float>(d_gpu), std::span<const float>(d_cpu), 1e-5, 1e-9);
}

TEST_CASE("argmax ties go to the lowest class, as tf.argmax and the CPU", "[ml][gpu_kernels]") {
  CHECK(train::argmax_prefers(2.0f, 7, 1.0f, 3));
  CHECK(train::argmax_prefers(1.0f, 3, 1.0f, 7));
  CHECK_FALSE(train::argmax_prefers(1.0f, 7, 1.0f, 3));
  const float z[4] = {0.5f, 2.0f, 2.0f, -1.0f};
  std::vector<float> d(4);
  bool hit = false;
  xent_row(z, 4, 1, 1.0f, d.data(), hit);
  CHECK(hit);
  xent_row(z, 4, 2, 1.0f, d.data(), hit);
  CHECK_FALSE(hit);
}

TEST_CASE("clip and Adam elements match clip_per_tensor and adam_update", "[ml][gpu_kernels]") {
  const DrumConfig& config = drum_config("drum_kit");
  DrumRnn model({&config, {16, 8}});
  model.init_glorot(5);
  ParamBuffer cpu_grads(model.table());
  cpu_grads.data = random_floats(cpu_grads.data.size(), 0.2f, 9);
  cpu_grads.view(model.fc_biases_index())[0] = 40.0f;  // one tensor over the clip, others under
  ParamBuffer gpu_grads = cpu_grads;
  ParamBuffer cpu_w = model.params(), gpu_w = model.params();
  AdamState cpu_adam(model.table()), gpu_adam(model.table());
  const float clip = 3.0f, lr = 0.01f;
  for (int step = 0; step < 3; ++step) {
    ParamBuffer g = cpu_grads;
    const double norm = clip_per_tensor(g, clip);
    adam_update(cpu_w, g, cpu_adam, lr);
    // The GPU side: per-tensor Σ g² (a block each), scales on the host, one Adam element each.
    double global = 0;
    std::vector<float> scales;
    for (size_t i = 0; i < model.table().views().size(); ++i) {
      double sq = 0;
      for (float x : gpu_grads.view(i)) sq += double(x) * x;
      global += sq;
      scales.push_back(train::clip_scale(sq, clip));
    }
    expect_close("global norm", std::sqrt(global), norm, 1e-12, 0.0);
    ++gpu_adam.step;
    const float lr_t = train::adam_lr_t(lr, gpu_adam.step, 0.9f, 0.999f);
    for (size_t i = 0; i < model.table().views().size(); ++i) {
      const auto& v = model.table().views()[i];
      for (size_t k = v.offset; k < v.offset + v.size(); ++k)
        train::adam_element(gpu_w.data[k], gpu_adam.m.data[k], gpu_adam.v.data[k], gpu_grads.data[k] * scales[i],
                            0.9f, 0.999f, 1e-8f, lr_t);
    }
  }
  CHECK(gpu_adam.step == cpu_adam.step);
  expect_close("weights", std::span<const float>(gpu_w.data), std::span<const float>(cpu_w.data), 1e-6, 1e-9);
  expect_close("m", std::span<const float>(gpu_adam.m.data), std::span<const float>(cpu_adam.m.data), 1e-6, 1e-12);
  expect_close("v", std::span<const float>(gpu_adam.v.data), std::span<const float>(cpu_adam.v.data), 1e-6, 1e-12);
}

TEST_CASE("dropout mask elements keep about keep of the units, at 1/keep, the same every draw", "[ml][gpu_kernels]") {
  const float keep = 0.5f;
  const uint32_t threshold = train::dropout_threshold(keep);
  const uint64_t stream = train::dropout_stream(7, 3);
  int kept = 0, total = 0;
  for (int seq = 0; seq < 64; ++seq)
    for (int t = 0; t < 50; ++t) {
      const uint32_t key = train::dropout_row_key(stream, 1, uint64_t(seq), t);
      CHECK(key == train::dropout_row_key(stream, 1, uint64_t(seq), t));
      for (int u = 0; u < 64; ++u) {
        const float m = train::dropout_mask_value(key, u, threshold, 1.0f / keep);
        REQUIRE((m == 0.0f || m == 2.0f));
        kept += m != 0.0f;
        ++total;
      }
    }
  CHECK(std::abs(double(kept) / total - keep) < 0.01);
  CHECK(train::dropout_row_key(stream, 0, 1, 2) != train::dropout_row_key(stream, 1, 1, 2));
  CHECK(train::dropout_row_key(train::dropout_stream(7, 4), 1, 1, 2) != train::dropout_row_key(stream, 1, 1, 2));
}

TEST_CASE("TF gate order i, j, f, o and the forget bias map onto cuDNN's i, f, g, o", "[ml][gpu_kernels]") {
  const DrumConfig& config = drum_config("drum_kit");
  const int H = 6;
  DrumRnn model({&config, {H, 5}});
  model.init_glorot(11);
  // Non-zero biases so the map's bias placement shows.
  for (size_t idx : {model.bias_index(0), model.bias_index(1)}) {
    auto b = model.params().view(idx);
    for (size_t k = 0; k < b.size(); ++k) b[k] = 0.05f * float(int(k % 7) - 3);
  }
  const auto& views = model.table().views();

  SECTION("every TF kernel and bias float is the source of exactly one cuDNN float") {
    for (int l = 0; l < 2; ++l) {
      const LstmShape s = model.layer_shape(l);
      train::TfLstmLayer tf{s.in, s.units, views[model.kernel_index(l)].offset, views[model.bias_index(l)].offset};
      size_t floats = 0;
      const auto lin = canonical_layout(s.in, s.units, floats);
      const auto map = train::map_tf_to_cudnn(tf, lin, floats);
      std::vector<int> uses(model.table().total(), 0);
      for (int64_t src : map.source)
        if (src >= 0) ++uses[size_t(src)];
      for (size_t idx : {model.kernel_index(l), model.bias_index(l)})
        for (size_t k = views[idx].offset; k < views[idx].offset + views[idx].size(); ++k) REQUIRE(uses[k] == 1);
      CHECK(std::count(map.source.begin(), map.source.end(), -1) == 0);
    }
  }

  SECTION("a cuDNN-formula LSTM on the mapped weights computes the CPU's TF-formula LSTM") {
    // Layer 1 has a dense input, as every cuDNN layer does (layer 0's sparse rows are densified).
    const int l = 1;
    const LstmShape s = model.layer_shape(l);
    train::TfLstmLayer tf{s.in, s.units, views[model.kernel_index(l)].offset, views[model.bias_index(l)].offset};
    size_t floats = 0;
    const auto lin = canonical_layout(s.in, s.units, floats);
    const auto map = train::map_tf_to_cudnn(tf, lin, floats);
    std::vector<float> ws(floats);
    for (size_t k = 0; k < floats; ++k) ws[k] = train::packed_weight(model.params().data.data(), map.source[k], map.shift[k]);

    // Two sequences (lengths 4 and 2), packed.
    PackedBatch b;
    b.lengths = {4, 2};
    b.offsets = {0, 2, 4, 5, 6};
    const int rows = 6;
    const std::vector<float> x = random_floats(size_t(rows) * s.in, 1.0f, 13);
    LstmCache cache;
    lstm_forward(s, model.data(model.kernel_index(l)), model.data(model.bias_index(l)), LstmInput{x.data(), nullptr}, b,
                 nullptr, cache);

    const int Hs = s.units;
    std::vector<float> h(size_t(rows) * Hs), c(size_t(rows) * Hs);
    for (int t = 0; t < b.max_len(); ++t)
      for (int i = 0; i < b.active(t); ++i) {
        const int r = b.offsets[t] + i, p = t > 0 ? b.offsets[t - 1] + i : -1;
        float gate[4][16];
        for (int g = 0; g < 4; ++g)
          for (int u = 0; u < Hs; ++u) {
            float z = ws[size_t(lin[g].bias_offset) + u];
            for (int k = 0; k < s.in; ++k) z += ws[size_t(lin[g].matrix_offset) + size_t(u) * s.in + k] * x[size_t(r) * s.in + k];
            if (p >= 0)
              for (int k = 0; k < Hs; ++k) z += ws[size_t(lin[4 + g].matrix_offset) + size_t(u) * Hs + k] * h[size_t(p) * Hs + k];
            gate[g][u] = z;
          }
        for (int u = 0; u < Hs; ++u) {
          const float ig = sigmoid(gate[0][u]), fg = sigmoid(gate[1][u]), gg = std::tanh(gate[2][u]),
                      og = sigmoid(gate[3][u]);
          c[size_t(r) * Hs + u] = (p >= 0 ? fg * c[size_t(p) * Hs + u] : 0.0f) + ig * gg;
          h[size_t(r) * Hs + u] = og * std::tanh(c[size_t(r) * Hs + u]);
        }
      }
    expect_close("h", std::span<const float>(h), std::span<const float>(cache.h), 1e-5, 1e-6);
    expect_close("c", std::span<const float>(c), std::span<const float>(cache.c), 1e-5, 1e-6);
  }
}
