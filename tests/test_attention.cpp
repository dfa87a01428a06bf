// Magenta's attention cell around layer 0 (ml/attention.h): gradients against finite differences,
// the streaming stepper against the training forward, and the stepper's state handling.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "ml/cpu_shard.h"
#include "ml/cpu_trainer.h"
#include "ml_fixtures.h"

using namespace drumrnn;

namespace {

PackedBatch whole_batch(const SequenceDataset& data) {
  std::vector<size_t> all(data.examples());
  std::iota(all.begin(), all.end(), size_t{0});
  return make_batch(data, all);
}

// The class fed at packed row (t, i): the stepper needs classes, the batch holds encoded rows.
int row_class(const DrumConfig& config, const PackedBatch& b, int row) {
  for (int k = b.inputs.row_start[row]; k < b.inputs.row_start[row + 1]; ++k)
    if (b.inputs.index[k] < config.num_classes) return b.inputs.index[k];
  return 0;  // one_drum's silence is index 0 with value 1, so this is not reached for it
}

}  // namespace

// Central differences on every parameter, as tests/test_lstm.cpp does for the plain LSTM. The window
// (3) is shorter than the sequences (up to 8 steps), so slots are dropped and the zero padding runs out.
static void check_attention_gradients(const DrumConfig& config, std::vector<int> layers, int attn_length,
                                      float keep, bool stack = false) {
  DrumRnn model({&config, layers, attn_length, stack});
  model.init_glorot(5);
  for (float& w : model.params().data) w *= 2.0f;
  for (size_t i = 0; i < model.table().views().size(); ++i)  // non-zero biases: every term shows
    if (model.table().views()[i].shape.size() == 1)
      for (float& w : model.params().view(i)) w = 0.3f * std::sin(float(&w - model.params().data.data()));
  const SequenceDataset data = test::random_dataset(config, 3, 3, 8, 13);
  const PackedBatch batch = whole_batch(data);
  TrainOptions opt;
  opt.dropout_keep_prob = keep;
  CpuTrainer trainer(model, opt, 1);
  const bool dropout = keep < 1.0f;
  const double loss = trainer.loss_and_gradients(batch, dropout).loss();
  const std::vector<float> analytic = trainer.grads().data;

  constexpr float kEps = 1e-2f;
  double worst = 0;
  size_t worst_at = 0;
  for (size_t k = 0; k < model.params().data.size(); ++k) {
    float& w = model.params().data[k];
    const float saved = w;
    w = saved + kEps;
    const double up = trainer.loss_and_gradients(batch, dropout).loss();
    w = saved - kEps;
    const double down = trainer.loss_and_gradients(batch, dropout).loss();
    w = saved;
    const double numeric = (up - down) / (2.0 * kEps);
    const double err = std::abs(numeric - analytic[k]) / std::max(1e-2, std::abs(numeric) + std::abs(analytic[k]));
    if (err > worst) worst = err, worst_at = k;
  }
  std::string name;
  for (const auto& v : model.table().views())
    if (worst_at >= v.offset && worst_at < v.offset + v.size()) name = v.name;
  INFO("loss " << loss << ", worst relative error " << worst << " at parameter " << worst_at << " (" << name << ")");
  CHECK(worst < 2e-2);
}

// one_drum's 2-wide input keeps the input projection small (drum_kit's is [518 + A, 518]); the
// sparse drum_kit input path is the same code as the LSTM's and is checked against PyTorch.
TEST_CASE("attention: gradients match finite differences (2 layers, window 3)", "[ml][attention]") {
  check_attention_gradients(drum_config("one_drum"), {5, 4}, 3, 1.0f);
}

TEST_CASE("attention: gradients match finite differences with dropout (one layer, window 2)", "[ml][attention]") {
  check_attention_gradients(drum_config("one_drum"), {4}, 2, 0.7f);
}

// The old layout (ml/attention.h): the wrapper around the whole stack, dropout inside it per layer.
TEST_CASE("attention stack: gradients match finite differences (3 layers, window 3)", "[ml][attention]") {
  check_attention_gradients(drum_config("one_drum"), {5, 3, 4}, 3, 1.0f, true);
}

TEST_CASE("attention stack: gradients match finite differences with dropout (2 layers, window 2)", "[ml][attention]") {
  check_attention_gradients(drum_config("one_drum"), {4, 3}, 2, 0.7f, true);
}

TEST_CASE("attention: parameters carry Magenta 2.x's names and shapes", "[ml][attention]") {
  DrumRnn model({&drum_config("drum_kit"), {256, 256, 256}, 32});
  const std::string P = "rnn/multi_rnn_cell/cell_0/attention_cell_wrapper/";
  const std::vector<std::pair<std::string, std::vector<size_t>>> expected = {
      {P + "kernel", {774, 518}},
      {P + "bias", {518}},
      {P + "basic_lstm_cell/kernel", {774, 1024}},
      {P + "basic_lstm_cell/bias", {1024}},
      {P + "attention/attn_w", {1, 1, 256, 256}},
      {P + "attention/attn_v", {256}},
      {P + "attention/kernel", {512, 256}},
      {P + "attention/bias", {256}},
      {P + "attn_output_projection/kernel", {512, 256}},
      {P + "attn_output_projection/bias", {256}},
      {"rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel", {512, 1024}},
      {"rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias", {1024}},
      {"rnn/multi_rnn_cell/cell_2/basic_lstm_cell/kernel", {512, 1024}},
      {"rnn/multi_rnn_cell/cell_2/basic_lstm_cell/bias", {1024}},
      {"fully_connected/weights", {256, 512}},
      {"fully_connected/biases", {512}}};
  const auto& views = model.table().views();
  REQUIRE(views.size() == expected.size());
  for (size_t i = 0; i < views.size(); ++i) {
    CHECK(views[i].name == expected[i].first);
    CHECK(views[i].shape == expected[i].second);
  }
  // The sum of facts §7's shapes ("about 2.71M").
  CHECK(model.table().total() == 2705706);
}

static void check_stepper_against_forward(bool stack) {
  const DrumConfig& config = drum_config("drum_kit");
  DrumRnn model({&config, {12, 10}, 4, stack});
  model.init_glorot(9);
  // Sequences longer than the window, and of different lengths (the packed batch shrinks).
  const SequenceDataset data = test::random_dataset(config, 3, 6, 11, 21, 40);
  const PackedBatch batch = whole_batch(data);
  CpuShard shard(model);
  shard.run(batch, 1.0f, {}, 0.0f, false);
  const std::vector<float>& reference = shard.logits();
  const int C = config.num_classes, S = int(batch.lengths.size());

  double worst_float = 0, worst_half = 0, worst_batched = 0;
  for (int i = 0; i < S; ++i) {
    DrumRnnStepper exact(model, 1, false), half(model, 1, true);
    std::vector<float> a(C), h(C);
    for (int t = 0; t < batch.lengths[i]; ++t) {
      const int row = batch.offsets[t] + i;
      const int cls = row_class(config, batch, row);
      const int64_t pos = t;
      exact.step(&cls, &pos, 1, a.data());
      half.step(&cls, &pos, 1, h.data());
      for (int c = 0; c < C; ++c) {
        const double ref = reference[size_t(row) * C + c];
        worst_float = std::max(worst_float, std::abs(a[c] - ref) / (1e-3 + std::abs(ref)));
        worst_half = std::max(worst_half, std::abs(double(h[c]) - ref));
      }
    }
  }
  // All sequences as streams of one stepper (the GEMM path); streams [0, n) advance.
  DrumRnnStepper batched(model, S, false);
  std::vector<float> logits(size_t(S) * C);
  for (int t = 0; t < batch.max_len(); ++t) {
    const int n = batch.active(t);
    std::vector<int> classes(n);
    std::vector<int64_t> positions(n, t);
    for (int i = 0; i < n; ++i) classes[i] = row_class(config, batch, batch.offsets[t] + i);
    batched.step(classes.data(), positions.data(), n, logits.data());
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < C; ++c) {
        const double ref = reference[size_t(batch.offsets[t] + i) * C + c];
        worst_batched = std::max(worst_batched, std::abs(logits[size_t(i) * C + c] - ref) / (1e-3 + std::abs(ref)));
      }
  }
  // Relative with a 1e-3 floor: logits here are ~0.01 .. 0.3, and a few sit near zero.
  INFO("float " << worst_float << " rel, batched " << worst_batched << " rel, half " << worst_half << " abs");
  CHECK(worst_float < 1e-5);
  CHECK(worst_batched < 1e-5);
  CHECK(worst_half < 1e-2);
}

TEST_CASE("attention: the stepper's logits equal the training forward's, step by step", "[ml][attention]") {
  check_stepper_against_forward(false);
}

TEST_CASE("attention stack: the stepper's logits equal the training forward's, step by step", "[ml][attention]") {
  check_stepper_against_forward(true);
}

static void check_state_round_trip(bool stack) {
  const DrumConfig& config = drum_config("drum_kit");
  DrumRnn model({&config, {8, 6}, 5, stack});
  model.init_glorot(2);
  const int A = stack ? 6 : 8;  // the wrapped cell's output: the top layer's or layer 0's
  CHECK(model.state_size() == size_t(2 * 8 + 2 * 6 + A * (1 + 2 * 5)));
  DrumRnnStepper stepper(model, 3, false);
  const int C = config.num_classes;
  std::vector<float> a(size_t(3) * C), b(size_t(3) * C);
  // Stream 0 goes 7 steps (the ring wraps), then its state is copied to stream 1 by both routes.
  for (int t = 0; t < 7; ++t) {
    const int cls = (t * 37) % C;
    const int64_t pos = t;
    stepper.step(&cls, &pos, 1, a.data());
  }
  std::vector<float> state(model.state_size());
  stepper.get_state(0, state.data());
  stepper.set_state(2, state.data());
  stepper.copy_state(0, 1);
  std::vector<float> again(model.state_size());
  stepper.get_state(2, again.data());
  CHECK(again == state);
  for (int t = 7; t < 12; ++t) {
    const int classes[3] = {(t * 11) % C, (t * 11) % C, (t * 11) % C};
    const int64_t positions[3] = {t, t, t};
    stepper.step(classes, positions, 3, b.data());
    for (int c = 0; c < C; ++c) {
      CHECK(b[c] == b[C + c]);
      CHECK(b[c] == b[2 * C + c]);
    }
  }
  // reset() empties the window too: the first step's logits come back.
  stepper.reset();
  const int first = 0;
  const int64_t zero = 0;
  stepper.step(&first, &zero, 1, b.data());
  DrumRnnStepper fresh(model, 1, false);
  fresh.step(&first, &zero, 1, a.data());
  for (int c = 0; c < C; ++c) CHECK(a[c] == b[c]);
}

TEST_CASE("attention: stepper state round-trips and forks exactly", "[ml][attention]") { check_state_round_trip(false); }

TEST_CASE("attention stack: stepper state round-trips and forks exactly", "[ml][attention]") {
  check_state_round_trip(true);
}

// The wrapper also takes a dense input (the trainer feeds it sparse rows): the same outputs and
// gradients, and the input gradient d_x against central differences of Σ d_out · out.
TEST_CASE("attention: a dense input gives the sparse input's outputs and gradients, and d_x is right", "[ml][attention]") {
  const DrumConfig& config = drum_config("one_drum");
  DrumRnn model({&config, {5, 4}, 3, false});
  model.init_glorot(7);
  for (float& w : model.params().data) w *= 2.0f;
  const SequenceDataset data = test::random_dataset(config, 3, 3, 8, 17);
  const PackedBatch batch = whole_batch(data);
  const AttentionShape& s = model.attention_shape();
  const AttentionParams p = model.attention_params();
  const int rows = int(batch.rows()), in = s.in, A = s.attn();
  std::vector<float> dense(size_t(rows) * in, 0.0f);
  for (int r = 0; r < rows; ++r)
    for (int k = batch.inputs.row_start[r]; k < batch.inputs.row_start[r + 1]; ++k)
      dense[size_t(r) * in + batch.inputs.index[k]] = batch.inputs.value[k];
  for (size_t k = 0; k < dense.size(); ++k) dense[k] += 0.25f * std::sin(float(k));  // not one-hot any more

  auto sparse_of = [&](const std::vector<float>& x) {
    SparseRows sp;
    sp.clear(in);
    for (int r = 0; r < rows; ++r) sp.add_row(x.data() + size_t(r) * in, in);
    return sp;
  };
  std::vector<float> d_out(size_t(rows) * A);
  for (size_t k = 0; k < d_out.size(); ++k) d_out[k] = std::cos(0.7f * float(k));
  auto objective = [&](const std::vector<float>& x) {
    AttentionCache c;
    attention_forward(s, p, LstmInput{x.data(), nullptr}, batch, AttentionDropout{}, c);
    return std::inner_product(c.out.begin(), c.out.end(), d_out.begin(), 0.0);
  };

  const SparseRows sp = sparse_of(dense);
  AttentionCache cd, cs;
  attention_forward(s, p, LstmInput{dense.data(), nullptr}, batch, AttentionDropout{}, cd);
  attention_forward(s, p, LstmInput{nullptr, &sp}, batch, AttentionDropout{}, cs);
  for (size_t k = 0; k < cd.out.size(); ++k) REQUIRE(cd.out[k] == Approx(cs.out[k]).margin(1e-5));
  ParamBuffer gd(model.table()), gs(model.table());
  std::vector<float> d_x(dense.size());
  attention_backward(s, p, LstmInput{dense.data(), nullptr}, batch, cd, d_out.data(), model.attention_grads(gd), d_x.data());
  attention_backward(s, p, LstmInput{nullptr, &sp}, batch, cs, d_out.data(), model.attention_grads(gs), nullptr);
  double worst = 0;
  for (size_t k = 0; k < gd.data.size(); ++k) worst = std::max(worst, double(std::abs(gd.data[k] - gs.data[k])));
  CHECK(worst < 1e-4);
  double any = 0;
  for (float g : gd.data) any += std::abs(g);
  CHECK(any > 0);

  constexpr float kEps = 1e-2f;
  double worst_dx = 0;
  for (size_t k = 0; k < dense.size(); ++k) {
    std::vector<float> x = dense;
    x[k] = dense[k] + kEps;
    const double up = objective(x);
    x[k] = dense[k] - kEps;
    const double numeric = (up - objective(x)) / (2.0 * kEps);
    worst_dx = std::max(worst_dx, std::abs(numeric - d_x[k]) / std::max(1e-2, std::abs(numeric) + std::abs(d_x[k])));
  }
  INFO("worst relative d_x error " << worst_dx);
  CHECK(worst_dx < 2e-2);
}
