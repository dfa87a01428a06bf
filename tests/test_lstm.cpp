#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "ml/activations.h"
#include "ml/cpu_trainer.h"
#include "ml/softmax_xent.h"
#include "ml_fixtures.h"

using namespace drumrnn;

TEST_CASE("fast tanh and sigmoid match libm to 5e-7 over the whole range", "[ml]") {
  double worst = 0;
  for (float x = -20.0f; x <= 20.0f; x += 0.001f) {
    worst = std::max(worst, std::abs(double(fast_tanh(x)) - std::tanh(double(x))));
    worst = std::max(worst, std::abs(double(fast_sigmoid(x)) - 1.0 / (1.0 + std::exp(-double(x)))));
  }
  CHECK(worst < 5e-7);
  CHECK(fast_tanh(1e30f) == 1.0f);
  CHECK(fast_tanh(-1e30f) == -1.0f);
  CHECK(std::isfinite(fast_sigmoid(-1e30f)));
}

// Central finite differences on every parameter of a small model, in float with a loss summed in
// double: agreement to 2% relative (or 2e-4 absolute for tiny gradients) is what float allows here.
static void check_gradients(const DrumConfig& config, std::vector<int> layers) {
  DrumRnn model({&config, layers});
  model.init_glorot(3);
  for (float& w : model.params().data) w *= 2.0f;  // larger weights: stronger, more telling gradients
  const SequenceDataset data = test::random_dataset(config, 3, 3, 7, 11);
  std::vector<size_t> all(data.examples());
  std::iota(all.begin(), all.end(), 0);
  const PackedBatch batch = make_batch(data, all);
  TrainOptions opt;
  CpuTrainer trainer(model, opt);
  trainer.loss_and_gradients(batch, false);
  const std::vector<float> analytic = trainer.grads().data;

  constexpr float kEps = 1e-2f;
  double worst = 0;
  size_t worst_at = 0;
  for (size_t k = 0; k < model.params().data.size(); ++k) {
    float& w = model.params().data[k];
    const float saved = w;
    w = saved + kEps;
    const double up = trainer.evaluate(batch, false).loss();
    w = saved - kEps;
    const double down = trainer.evaluate(batch, false).loss();
    w = saved;
    const double numeric = (up - down) / (2.0 * kEps);
    const double err = std::abs(numeric - analytic[k]) / std::max(1e-2, std::abs(numeric) + std::abs(analytic[k]));
    if (err > worst) worst = err, worst_at = k;
  }
  INFO("worst relative error " << worst << " at parameter " << worst_at);
  CHECK(worst < 2e-2);
}

TEST_CASE("LSTM, logits and loss gradients match finite differences (drum_kit, 2 layers)", "[ml]") {
  check_gradients(drum_config("drum_kit"), {5, 4});
}

TEST_CASE("LSTM gradients match finite differences (one_drum, 3 layers)", "[ml]") {
  check_gradients(drum_config("one_drum"), {3, 4, 2});
}

TEST_CASE("softmax_xent: in-place gradients give the same loss as a separate buffer (regression: aliasing)", "[ml]") {
  std::vector<float> logits = {1.0f, 3.0f, -2.0f, 0.5f, 0.0f, 2.0f};
  const std::vector<int32_t> labels = {2, 1};
  std::vector<float> separate(logits.size());
  const double ref = softmax_xent(logits.data(), labels.data(), 2, 3, separate.data(), 0.5f).loss();
  const double expected = (std::log(std::exp(1.0) + std::exp(3.0) + std::exp(-2.0)) + 2.0 +
                           std::log(std::exp(0.5) + 1.0 + std::exp(2.0)) - 0.0) / 2.0;
  CHECK(ref == Approx(expected).epsilon(1e-6));
  const double in_place = softmax_xent(logits.data(), labels.data(), 2, 3, logits.data(), 0.5f).loss();
  CHECK(in_place == Approx(ref).epsilon(1e-9));
  for (size_t i = 0; i < logits.size(); ++i) CHECK(logits[i] == Approx(separate[i]).margin(1e-7));
}
