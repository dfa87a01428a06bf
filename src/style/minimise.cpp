#include "style/minimise.h"

#include <lbfgs.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace drumrnn::style {
namespace {

struct Context {
  CpuStyleLoss& loss;
  JobObserver& job;
  const MinimiseSettings& settings;
  std::vector<float> x, g;  // float copies for the float loss
  MinimiseResult result;
  bool first = true;
  int done_before = 0;  // iterations of earlier rounds (after a restart)
};

lbfgsfloatval_t evaluate(void* instance, const lbfgsfloatval_t* x, lbfgsfloatval_t* g, int n, lbfgsfloatval_t) {
  auto& c = *static_cast<Context*>(instance);
  for (int i = 0; i < n; ++i) c.x[size_t(i)] = float(x[i]);
  const double f = c.loss.evaluate(c.x.data(), c.g.data());
  for (int i = 0; i < n; ++i) g[i] = c.g[size_t(i)];
  ++c.result.evaluations;
  if (c.first) c.result.initial_loss = f;
  c.first = false;
  return f;
}

int progress(void* instance, const lbfgsfloatval_t*, const lbfgsfloatval_t*, lbfgsfloatval_t fx, lbfgsfloatval_t,
             lbfgsfloatval_t, lbfgsfloatval_t, int, int k, int) {
  auto& c = *static_cast<Context*>(instance);
  c.result.iterations = c.done_before + k;
  c.result.loss = fx;
  JobProgress p;
  p.stage = "style";
  p.done = c.done_before + k;
  p.total = c.settings.max_iterations;
  p.loss = fx;
  c.job.on_progress(p);
  return c.job.cancelled() ? 1 : 0;  // non-zero stops liblbfgs (LBFGSERR_CANCELED)
}

std::string reason(int status) {
  switch (status) {
    case LBFGS_SUCCESS: return "converged";
    case LBFGS_STOP: return "converged (no further decrease)";
    case LBFGS_ALREADY_MINIMIZED: return "converged";
    case LBFGSERR_MAXIMUMITERATION: return "iterations";
    case LBFGSERR_CANCELED: return "cancelled";
    case LBFGSERR_ROUNDING_ERROR: return "line search: rounding errors";
    case LBFGSERR_MAXIMUMLINESEARCH: return "line search: too many steps";
    case LBFGSERR_MINIMUMSTEP: return "line search: step below the minimum";
    case LBFGSERR_MAXIMUMSTEP: return "line search: step above the maximum";
    case LBFGSERR_WIDTHTOOSMALL: return "line search: interval too small";
    case LBFGSERR_INCREASEGRADIENT: return "line search: not a descent direction";
    case LBFGSERR_OUTOFMEMORY: return "out of memory";
    default: return "liblbfgs status " + std::to_string(status);
  }
}

constexpr int kMaxRestarts = 20;

}  // namespace

MinimiseResult minimise_cpu(CpuStyleLoss& loss, float* x, const MinimiseSettings& s, JobObserver& job) {
  const int n = loss.frames() * loss.shape().channels;
  Context c{loss, job, s, std::vector<float>(size_t(n)), std::vector<float>(size_t(n)), {}, true};
  // lbfgs_malloc: liblbfgs's SSE build needs its own alignment and rounding of n.
  lbfgsfloatval_t* v = lbfgs_malloc(n);
  if (!v) throw std::bad_alloc();
  for (int i = 0; i < n; ++i) v[i] = x[i];
  lbfgs_parameter_t p;
  lbfgs_parameter_init(&p);
  p.m = s.memory;
  p.max_linesearch = s.max_linesearch;
  p.epsilon = s.epsilon;
  // The loss is single precision, so late in a run its rounding noise can stop a Moré–Thuente line
  // search ("rounding errors"). liblbfgs then hands back the last accepted point; starting afresh
  // there (a steepest-descent step, history cleared) goes on descending, so a run uses its whole
  // iteration budget as SciPy's L-BFGS-B does in the reference.
  lbfgsfloatval_t fx = 0;
  int status = 0;
  for (int round = 0; round < kMaxRestarts + 1; ++round) {
    p.max_iterations = s.max_iterations - c.done_before;
    const double before = round == 0 ? INFINITY : fx;
    status = lbfgs(n, v, &fx, evaluate, progress, &c, &p);
    c.done_before = c.result.iterations;
    const bool line_search_gave_up = status == LBFGSERR_ROUNDING_ERROR || status == LBFGSERR_MAXIMUMLINESEARCH ||
                                     status == LBFGSERR_MINIMUMSTEP || status == LBFGSERR_WIDTHTOOSMALL;
    if (!line_search_gave_up || c.done_before >= s.max_iterations || !(fx < before) || !std::isfinite(fx)) break;
  }
  if (c.done_before >= s.max_iterations && status != LBFGSERR_CANCELED) status = LBFGSERR_MAXIMUMITERATION;
  // liblbfgs leaves v at the best point it accepted (the start of a failed line search).
  bool finite = std::isfinite(fx);
  for (int i = 0; i < n && finite; ++i) finite = std::isfinite(v[i]);
  if (finite)
    for (int i = 0; i < n; ++i) x[i] = float(v[i]);
  lbfgs_free(v);
  c.result.loss = fx;
  c.result.stop = finite ? reason(status) : "the loss is not a finite number";
  return c.result;
}

}  // namespace drumrnn::style
