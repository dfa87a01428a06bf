// The L-BFGS iteration (liblbfgs's algorithm and settings) written once over a "vector store", so the
// device L-BFGS (style/cuda/lbfgs.cu: every vector on the GPU) and the CPU tests (plain arrays,
// checked against liblbfgs itself) run the same control logic. The store owns x, g, d, the previous
// x and g, and m pairs (s, y) with their yᵀs and the two-loop coefficients; the driver sees scalars
// only: the four numbers each evaluation reports, and gᵀd for the first trial of a line search.
//
// Store interface:
//   Reported evaluate();              f(x), g(x); returns {f, gᵀd, ‖g‖², ‖x‖²}
//   void save();                      xp = x, gp = g
//   void restore();                   x = xp
//   void step(double a);              x = xp + a·d
//   void steepest();                  d = −g
//   void push_pair(int slot);         s = x − xp, y = g − gp, ys[slot] = yᵀs, yy = yᵀy
//   void first_loop(int j);           α_j = s_jᵀd / ys_j;  d −= α_j·y_j
//   void scale(int newest);           d *= ys_newest / yy
//   void second_loop(int j);          β = y_jᵀd / ys_j;   d += (α_j − β)·s_j
//   double gd();                      gᵀd
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include "common/job.h"
#include "style/more_thuente.h"

namespace drumrnn::style {

struct LbfgsReported {
  double loss, gd, gg, xx;
};

struct LbfgsDriverSettings {
  int memory = 10;
  int max_iterations = 300;  // 0: until converged
  double epsilon = 1e-5;     // ‖g‖ / max(1, ‖x‖)
  LineSearchSettings line_search;
};

struct LbfgsOutcome {
  double loss = 0;
  int iterations = 0, evaluations = 0;
  std::string stop;  // "converged", "iterations", "line search: ...", "cancelled"
};

template <typename Store>
LbfgsOutcome run_lbfgs(Store& v, const LbfgsDriverSettings& s, JobObserver& job) {
  LbfgsOutcome out;
  LbfgsReported f = v.evaluate();
  ++out.evaluations;
  out.loss = f.loss;
  v.steepest();
  double gd = -f.gg;
  if (std::sqrt(f.gg) / std::max(1.0, std::sqrt(f.xx)) <= s.epsilon) {
    out.stop = "converged";
    return out;
  }
  double step = 1.0 / std::sqrt(f.gg);
  int end = 0;
  for (int k = 1;; ++k) {
    v.save();
    const double f_before = f.loss;
    MoreThuente search(s.line_search, f.loss, gd, step);
    for (;;) {
      v.step(search.step());
      f = v.evaluate();
      ++out.evaluations;
      const auto status = search.next(f.loss, f.gd);
      if (status == MoreThuente::Status::evaluate) continue;
      if (status == MoreThuente::Status::failed) {
        v.restore();  // liblbfgs returns the point before the failed search
        out.loss = f_before;
        out.stop = std::string("line search: ") + search.why();
        return out;
      }
      break;
    }
    out.loss = f.loss;
    out.iterations = k;
    JobProgress p;
    p.stage = "style";
    p.done = k;
    p.total = s.max_iterations;
    p.loss = f.loss;
    job.on_progress(p);
    if (job.cancelled()) {
      out.stop = "cancelled";
      return out;
    }
    if (std::sqrt(f.gg) / std::max(1.0, std::sqrt(f.xx)) <= s.epsilon) {
      out.stop = "converged";
      return out;
    }
    if (s.max_iterations > 0 && k >= s.max_iterations) {
      out.stop = "iterations";
      return out;
    }
    v.push_pair(end);
    const int newest = end;
    const int bound = std::min(s.memory, k);
    end = (end + 1) % s.memory;
    v.steepest();
    int j = end;
    for (int i = 0; i < bound; ++i) {
      j = (j + s.memory - 1) % s.memory;
      v.first_loop(j);
    }
    v.scale(newest);
    for (int i = 0; i < bound; ++i) {
      v.second_loop(j);
      j = (j + 1) % s.memory;
    }
    gd = v.gd();
    step = 1.0;
  }
}

}  // namespace drumrnn::style
