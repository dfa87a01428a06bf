// The device L-BFGS's control logic (style/lbfgs_driver.h) over plain host vectors, against liblbfgs
// itself with the same settings on the extended Rosenbrock function: the same stopping reason, the
// same iterations and evaluations, the same loss after every iteration.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "style/lbfgs_driver.h"
#ifdef DRUMRNN_HAVE_LIBLBFGS
#include <lbfgs.h>
#endif

using namespace drumrnn;
using namespace drumrnn::style;

namespace {

double rosenbrock(const double* x, double* g, int n) {
  double f = 0;
  for (int i = 0; i < n; i += 2) {
    const double t1 = 1.0 - x[i], t2 = 10.0 * (x[i + 1] - x[i] * x[i]);
    g[i + 1] = 20.0 * t2;
    g[i] = -2.0 * (x[i] * g[i + 1] + t1);
    f += t1 * t1 + t2 * t2;
  }
  return f;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

struct HostStore {
  int n, m;
  std::vector<double> x, g, d, xp, gp, ys, alpha;
  std::vector<std::vector<double>> s, y;
  double yy = 0;
  int evaluations = 0;
  HostStore(std::vector<double> x0, int memory)
      : n(int(x0.size())), m(memory), x(std::move(x0)), g(n), d(n, 0.0), xp(n), gp(n), ys(memory), alpha(memory),
        s(memory, std::vector<double>(n)), y(memory, std::vector<double>(n)) {}
  LbfgsReported evaluate() {
    ++evaluations;
    const double f = rosenbrock(x.data(), g.data(), n);
    return {f, dot(g, d), dot(g, g), dot(x, x)};
  }
  void save() { xp = x, gp = g; }
  void restore() { x = xp; }
  void step(double a) {
    for (int i = 0; i < n; ++i) x[i] = xp[i] + a * d[i];
  }
  void steepest() {
    for (int i = 0; i < n; ++i) d[i] = -g[i];
  }
  void push_pair(int k) {
    for (int i = 0; i < n; ++i) s[k][i] = x[i] - xp[i], y[k][i] = g[i] - gp[i];
    ys[k] = dot(y[k], s[k]);
    yy = dot(y[k], y[k]);
  }
  void first_loop(int j) {
    alpha[j] = dot(s[j], d) / ys[j];
    for (int i = 0; i < n; ++i) d[i] -= alpha[j] * y[j][i];
  }
  void scale(int newest) {
    for (auto& v : d) v *= ys[newest] / yy;
  }
  void second_loop(int j) {
    const double beta = dot(y[j], d) / ys[j];
    for (int i = 0; i < n; ++i) d[i] += (alpha[j] - beta) * s[j][i];
  }
  double gd() { return dot(g, d); }
};

std::vector<double> start(int n) {
  std::vector<double> x(n);
  for (int i = 0; i < n; i += 2) x[i] = -1.2, x[i + 1] = 1.0;
  return x;
}

}  // namespace

TEST_CASE("L-BFGS driver: minimises the extended Rosenbrock function", "[style]") {
  HostStore v(start(100), 10);
  LbfgsDriverSettings s;
  s.max_iterations = 0;
  const LbfgsOutcome o = run_lbfgs(v, s, silent_job());
  CHECK(o.stop == "converged");
  CHECK(o.loss < 1e-8);
  CHECK(o.evaluations == v.evaluations);
  for (double xi : v.x) CHECK(xi == Approx(1.0).margin(1e-3));
  // An iteration limit stops it there.
  HostStore w(start(100), 10);
  s.max_iterations = 5;
  const LbfgsOutcome five = run_lbfgs(w, s, silent_job());
  CHECK(five.stop == "iterations");
  CHECK(five.iterations == 5);
}

#ifdef DRUMRNN_HAVE_LIBLBFGS
TEST_CASE("L-BFGS driver: follows liblbfgs with the same settings", "[style]") {
  const int n = 100;
  std::vector<double> path_ours, path_theirs;
  struct Trace : JobObserver {
    std::vector<double>* losses;
    void on_progress(const JobProgress& p) override { losses->push_back(p.loss); }
  } trace;
  trace.losses = &path_ours;
  HostStore v(start(n), 10);
  LbfgsDriverSettings s;
  s.max_iterations = 0;
  s.line_search.max_trials = 20;
  const LbfgsOutcome ours = run_lbfgs(v, s, trace);

  lbfgsfloatval_t* x = lbfgs_malloc(n);
  const auto x0 = start(n);
  for (int i = 0; i < n; ++i) x[i] = x0[i];
  lbfgs_parameter_t p;
  lbfgs_parameter_init(&p);
  p.m = 10;
  p.max_linesearch = 20;
  int evaluations = 0;
  struct Ctx {
    int* evaluations;
    std::vector<double>* losses;
  } ctx{&evaluations, &path_theirs};
  lbfgsfloatval_t fx = 0;
  const int ret = lbfgs(
      n, x, &fx,
      [](void* c, const lbfgsfloatval_t* xx, lbfgsfloatval_t* g, const int nn, const lbfgsfloatval_t) {
        ++*static_cast<Ctx*>(c)->evaluations;
        return rosenbrock(xx, g, nn);
      },
      [](void* c, const lbfgsfloatval_t*, const lbfgsfloatval_t*, const lbfgsfloatval_t f, const lbfgsfloatval_t,
         const lbfgsfloatval_t, const lbfgsfloatval_t, int, int, int) {
        static_cast<Ctx*>(c)->losses->push_back(f);
        return 0;
      },
      &ctx, &p);
  lbfgs_free(x);
  REQUIRE(ret == LBFGS_SUCCESS);
  INFO("ours: " << ours.iterations << " iterations, " << ours.evaluations << " evaluations; liblbfgs: "
                << path_theirs.size() << " iterations, " << evaluations << " evaluations");
  CHECK(ours.stop == "converged");
  // The same algorithm: the same iterations, evaluations and loss after every iteration.
  CHECK(ours.iterations == int(path_theirs.size()));
  CHECK(ours.evaluations == evaluations);
  CHECK(fx < 1e-8);
  REQUIRE(path_ours.size() == path_theirs.size());
  for (size_t i = 0; i < path_ours.size(); ++i)
    CHECK(path_ours[i] == Approx(path_theirs[i]).epsilon(1e-6).margin(1e-12));
}
#endif
