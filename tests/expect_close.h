// expect_close(name, got, ref, rtol, atol): one Catch2 check that every |got - ref| <= atol + rtol·|ref|,
// reporting the worst index (largest error relative to its tolerance) and the max abs / rel errors, so
// a failure says where and by how much, and `-s` shows the margins of a pass.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <span>
#include <string>

namespace drumrnn::test {

struct CloseStats {
  size_t worst = 0;       // index with the largest |got - ref| / (atol + rtol·|ref|)
  double worst_ratio = 0;  // <= 1 passes
  double max_abs = 0;     // max |got - ref|
  double max_rel = 0;     // max |got - ref| / |ref| over ref != 0
  bool ok = true;
};

template <class Got, class Ref>
CloseStats close_stats(std::span<const Got> got, std::span<const Ref> ref, double rtol, double atol) {
  CloseStats s;
  for (size_t i = 0; i < got.size() && i < ref.size(); ++i) {
    const double g = double(got[i]), r = double(ref[i]);
    const double err = std::abs(g - r);
    const double ratio = std::isfinite(g) && std::isfinite(r) ? err / (atol + rtol * std::abs(r)) : INFINITY;
    if (ratio > s.worst_ratio) {
      s.worst_ratio = ratio;
      s.worst = i;
    }
    if (err > s.max_abs) s.max_abs = err;
    if (r != 0 && err / std::abs(r) > s.max_rel) s.max_rel = err / std::abs(r);
  }
  s.ok = got.size() == ref.size() && s.worst_ratio <= 1.0;
  return s;
}

template <class Got, class Ref>
CloseStats expect_close(const std::string& name, std::span<const Got> got, std::span<const Ref> ref, double rtol,
                        double atol) {
  const CloseStats s = close_stats(got, ref, rtol, atol);
  char line[512];
  const double g = s.worst < got.size() ? double(got[s.worst]) : NAN;
  const double r = s.worst < ref.size() ? double(ref[s.worst]) : NAN;
  std::snprintf(line, sizeof line,
                "%s: %zu values (ref %zu), max abs err %.3g, max rel err %.3g; worst [%zu] got %.9g ref %.9g "
                "(%.3g of tolerance rtol %g atol %g)",
                name.c_str(), got.size(), ref.size(), s.max_abs, s.max_rel, s.worst, g, r, s.worst_ratio, rtol, atol);
  INFO(line);
  CHECK(s.ok);
  return s;
}

// Scalars.
inline CloseStats expect_close(const std::string& name, double got, double ref, double rtol, double atol) {
  return expect_close(name, std::span<const double>(&got, 1), std::span<const double>(&ref, 1), rtol, atol);
}

}  // namespace drumrnn::test
