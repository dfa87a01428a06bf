// Temperature softmax and sampling (ml/sampling.h) and the fast exponential under them, at their edges:
// a draw above the last partial sum, NaN and infinite logits.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "ml/activations.h"
#include "ml/sampling.h"

using namespace drumrnn;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

bool is_distribution(const std::vector<float>& p) {
  double sum = 0;
  for (float v : p) {
    if (!(v >= 0.0f && v <= 1.0f)) return false;  // NaN fails too
    sum += v;
  }
  return std::abs(sum - 1.0) < 1e-5;
}

}  // namespace

TEST_CASE("sample_index draws against the probabilities' actual sum", "[ml][sampling]") {
  // A float softmax sums to 1 only within rounding; built here to sum visibly below 1, with a tiny
  // mass on class 511 (every drum at once). A draw above the sum must not land on 511.
  std::vector<float> probs(512, 0.0f);
  probs[0] = 0.5f;
  probs[1] = 0.4999f;
  probs[511] = 1e-9f;
  CHECK(sample_index(probs.data(), 512, 0.99995) == 1);  // 0.99995 * sum is inside class 1's share
  CHECK(sample_index(probs.data(), 512, 0.25) == 0);
  CHECK(sample_index(probs.data(), 512, 0.0) == 0);
  // u just below 1 is the top of the distribution: the last class with any probability.
  CHECK(sample_index(probs.data(), 512, std::nextafter(1.0, 0.0)) == 511);

  // A real softmax output and u at the very top: never a class outside the support.
  std::vector<float> logits(512), p(512);
  for (int i = 0; i < 512; ++i) logits[i] = i < 8 ? 3.0f - float(i) * 0.1f : -200.0f;
  softmax_with_temperature(logits.data(), 512, 1.0f, p.data());
  const int top = sample_index(p.data(), 512, std::nextafter(1.0, 0.0));
  CHECK(top < 8);
  // Even when u * sum rounds up to the sum itself, the top is a class that carries mass, not 511's ~1e-38.
  std::vector<float> tiny_tail(512, 1e-38f);
  tiny_tail[0] = 0.25f;
  tiny_tail[1] = 0.75f;
  CHECK(sample_index(tiny_tail.data(), 512, 1.0) == 1);  // u = 1 itself: the rounded-up case
}

TEST_CASE("sample_index with no probability mass returns class 0", "[ml][sampling]") {
  std::vector<float> zeros(512, 0.0f), nans(512, kNaN);
  CHECK(sample_index(zeros.data(), 512, 0.7) == 0);
  CHECK(sample_index(nans.data(), 512, 0.7) == 0);
}

TEST_CASE("softmax gives a NaN logit no probability and survives NaN and infinite logits", "[ml][sampling]") {
  std::vector<float> logits(512, 0.0f), p(512);
  SECTION("one NaN among finite logits") {
    logits[5] = 10.0f;
    logits[7] = kNaN;
    softmax_with_temperature(logits.data(), 512, 1.0f, p.data());
    CHECK(is_distribution(p));
    CHECK(p[7] == 0.0f);
    CHECK(p[5] > 0.9f);
    CHECK(sample_index(p.data(), 512, 0.5) == 5);
  }
  SECTION("a NaN first (it must not become the max)") {
    logits[0] = kNaN;
    logits[3] = 5.0f;
    softmax_with_temperature(logits.data(), 512, 0.5f, p.data());
    CHECK(is_distribution(p));
    CHECK(p[0] == 0.0f);
    CHECK(sample_index(p.data(), 512, 0.5) == 3);
  }
  SECTION("every logit NaN: silence, class 0") {
    std::fill(logits.begin(), logits.end(), kNaN);
    softmax_with_temperature(logits.data(), 512, 1.0f, p.data());
    CHECK(is_distribution(p));
    CHECK(p[0] == 1.0f);
    for (double u : {0.0, 0.5, 0.999999}) CHECK(sample_index(p.data(), 512, u) == 0);
  }
  SECTION("+Inf logits take all the mass") {
    logits[9] = kInf;
    logits[300] = kInf;
    logits[4] = kNaN;
    softmax_with_temperature(logits.data(), 512, 1.0f, p.data());
    CHECK(is_distribution(p));
    CHECK(p[9] == 0.5f);
    CHECK(p[300] == 0.5f);
    CHECK(sample_index(p.data(), 512, 0.25) == 9);
    CHECK(sample_index(p.data(), 512, 0.75) == 300);
  }
  SECTION("-Inf logits get nothing") {
    logits[2] = -kInf;
    logits[3] = 1.0f;
    softmax_with_temperature(logits.data(), 512, 1.0f, p.data());
    CHECK(is_distribution(p));
    CHECK(p[2] < 1e-30f);
    CHECK(p[3] > p[4]);
  }
  SECTION("every logit -Inf: class 0") {
    std::fill(logits.begin(), logits.end(), -kInf);
    softmax_with_temperature(logits.data(), 512, 1.0f, p.data());
    CHECK(is_distribution(p));
    CHECK(p[0] == 1.0f);
  }
  SECTION("a temperature so low that finite logits overflow") {
    logits[6] = 1e36f;
    softmax_with_temperature(logits.data(), 512, 1e-3f, p.data());
    CHECK(is_distribution(p));
    CHECK(p[6] == 1.0f);
  }
}

TEST_CASE("fast_exp_nonpositive: accurate, NaN in NaN out, no undefined conversion", "[ml][sampling]") {
  for (float x = -87.0f; x <= 0.0f; x += 0.37f) CHECK(fast_exp_nonpositive(x) == Approx(std::exp(x)).epsilon(1e-6));
  CHECK(fast_exp_nonpositive(0.0f) == 1.0f);
  CHECK(fast_exp_nonpositive(-1000.0f) < 1e-37f);
  CHECK(fast_exp_nonpositive(-kInf) < 1e-37f);
  CHECK(fast_exp_nonpositive(-kInf) >= 0.0f);
  // NaN stays NaN (a diverged training loss must stay visible); under -DDRUMRNN_SANITIZE=undefined the
  // float-to-int conversion inside would trap if it ever saw the NaN.
  CHECK(std::isnan(fast_exp_nonpositive(kNaN)));
  CHECK(std::isfinite(fast_exp_nonpositive(kInf)));  // outside the contract, but defined
}
