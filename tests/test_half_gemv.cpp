// The live generator's half-float matrix-vector product against a double-precision loop over the same
// (rounded) weights, for widths with and without an 8-column remainder (attention's input projection
// is 518 wide).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "ml/half_gemv.h"

using namespace drumrnn;

TEST_CASE("half_gemv_accumulate matches a double loop for every width, remainders included", "[ml]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const int k : {1, 3, 4, 7, 64, 130}) {
    for (const int n : {1, 5, 8, 13, 64, 518}) {
      std::vector<float> w(size_t(k) * n), x(k), y(n);
      for (float& v : w) v = u(rng);
      for (float& v : x) v = u(rng);
      for (float& v : y) v = u(rng);
      const std::vector<uint16_t> wh = to_half(w.data(), w.size());
      std::vector<double> expect(y.begin(), y.end());
      for (int i = 0; i < k; ++i)
        for (int j = 0; j < n; ++j) expect[j] += double(x[i]) * double(half_to_float(wh[size_t(i) * n + j]));
      half_gemv_accumulate(wh.data(), x.data(), k, n, y.data());
      double worst = 0;
      for (int j = 0; j < n; ++j) worst = std::max(worst, std::abs(double(y[j]) - expect[j]));
      INFO("k " << k << ", n " << n << ": max |difference| " << worst);
      CHECK(worst < 1e-5 * (1 + k));
    }
  }
}
