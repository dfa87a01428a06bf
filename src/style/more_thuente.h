// The Moré–Thuente line search (MINPACK-2's dcsrch/dcstep, the one liblbfgs uses by default) in
// reverse-communication form: it sees only scalars (the step, f and the directional derivative at that
// step), so the device L-BFGS keeps every vector on the GPU and sends the host two numbers per trial.
// Written from the paper (Moré & Thuente, ACM TOMS 20(3), 1994) and MINPACK-2's description.
#pragma once
#include <algorithm>
#include <cmath>

namespace drumrnn::style {

struct LineSearchSettings {
  double ftol = 1e-4;   // sufficient decrease
  double gtol = 0.9;    // curvature
  double xtol = 1e-16;  // relative width of the bracket
  double min_step = 1e-20, max_step = 1e20;
  int max_trials = 20;
};

class MoreThuente {
 public:
  enum class Status { evaluate, converged, failed };

  // f0, g0: the value and directional derivative (< 0) at step 0; `step` the first trial.
  MoreThuente(const LineSearchSettings& s, double f0, double g0, double step) : s_(s) {
    finit_ = f0;
    ginit_ = g0;
    gtest_ = s.ftol * g0;
    width_ = s.max_step - s.min_step;
    width1_ = 2 * width_;
    stx_ = sty_ = 0;
    fx_ = fy_ = f0;
    gx_ = gy_ = g0;
    stmin_ = 0;
    stmax_ = step + 4.0 * step;
    step_ = std::clamp(step, s.min_step, s.max_step);
  }
  double step() const { return step_; }
  int trials() const { return trials_; }
  const char* why() const { return why_; }

  // Reports f and g = f'(step) for the current step; on `evaluate`, step() is the next trial.
  Status next(double f, double g) {
    ++trials_;
    const double stp = step_;
    const double ftest = finit_ + stp * gtest_;
    if (stage_ == 1 && f <= ftest && g >= 0) stage_ = 2;
    if (f <= ftest && std::fabs(g) <= s_.gtol * -ginit_) return Status::converged;
    if (brackt_ && (stp <= stmin_ || stp >= stmax_)) return fail("rounding errors prevent progress");
    if (brackt_ && stmax_ - stmin_ <= s_.xtol * stmax_) return fail("the bracket is narrower than xtol");
    if (stp == s_.max_step && f <= ftest && g <= gtest_) return fail("the step reached max_step");
    if (stp == s_.min_step && (f > ftest || g >= gtest_)) return fail("the step reached min_step");
    if (trials_ >= s_.max_trials) return fail("max_linesearch trials without a Wolfe point");

    double next_step = stp;
    if (stage_ == 1 && f <= fx_ && f > ftest) {
      // The modified function ψ(α) = f(α) − f(0) − ftol·α·f'(0) until a point of sufficient decrease.
      double fm = f - stp * gtest_, fxm = fx_ - stx_ * gtest_, fym = fy_ - sty_ * gtest_;
      double gm = g - gtest_, gxm = gx_ - gtest_, gym = gy_ - gtest_;
      cstep(stx_, fxm, gxm, sty_, fym, gym, next_step, fm, gm);
      fx_ = fxm + stx_ * gtest_;
      fy_ = fym + sty_ * gtest_;
      gx_ = gxm + gtest_;
      gy_ = gym + gtest_;
    } else {
      cstep(stx_, fx_, gx_, sty_, fy_, gy_, next_step, f, g);
    }
    if (brackt_) {
      if (std::fabs(sty_ - stx_) >= 0.66 * width1_) next_step = stx_ + 0.5 * (sty_ - stx_);
      width1_ = width_;
      width_ = std::fabs(sty_ - stx_);
      stmin_ = std::min(stx_, sty_);
      stmax_ = std::max(stx_, sty_);
    } else {
      stmin_ = next_step + 1.1 * (next_step - stx_);
      stmax_ = next_step + 4.0 * (next_step - stx_);
    }
    next_step = std::clamp(next_step, s_.min_step, s_.max_step);
    if ((brackt_ && (next_step <= stmin_ || next_step >= stmax_)) || (brackt_ && stmax_ - stmin_ <= s_.xtol * stmax_))
      next_step = stx_;
    step_ = next_step;
    return Status::evaluate;
  }

 private:
  Status fail(const char* why) {
    why_ = why;
    return Status::failed;
  }

  // One safeguarded step of the interval update: a cubic or quadratic minimiser of the interpolant,
  // chosen by the four cases of the paper, kept inside the search interval [stmin, stmax]; updates the
  // bracket [stx, sty] and `stp` to the new trial.
  void cstep(double& stx, double& fx, double& dx, double& sty, double& fy, double& dy, double& stp, double fp,
             double dp) {
    const double sgnd = dp * (dx / std::fabs(dx));
    double stpf;
    if (fp > fx) {  // 1: higher value, the minimum is bracketed
      const double theta = 3 * (fx - fp) / (stp - stx) + dx + dp;
      const double s = std::max({std::fabs(theta), std::fabs(dx), std::fabs(dp)});
      double gamma = s * std::sqrt(std::max(0.0, (theta / s) * (theta / s) - (dx / s) * (dp / s)));
      if (stp < stx) gamma = -gamma;
      const double p = (gamma - dx) + theta, q = ((gamma - dx) + gamma) + dp, r = p / q;
      const double stpc = stx + r * (stp - stx);
      const double stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx);
      stpf = std::fabs(stpc - stx) < std::fabs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
      brackt_ = true;
    } else if (sgnd < 0) {  // 2: lower value, derivatives of opposite sign
      const double theta = 3 * (fx - fp) / (stp - stx) + dx + dp;
      const double s = std::max({std::fabs(theta), std::fabs(dx), std::fabs(dp)});
      double gamma = s * std::sqrt(std::max(0.0, (theta / s) * (theta / s) - (dx / s) * (dp / s)));
      if (stp > stx) gamma = -gamma;
      const double p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dx, r = p / q;
      const double stpc = stp + r * (stx - stp), stpq = stp + (dp / (dp - dx)) * (stx - stp);
      stpf = std::fabs(stpc - stp) > std::fabs(stpq - stp) ? stpc : stpq;
      brackt_ = true;
    } else if (std::fabs(dp) < std::fabs(dx)) {  // 3: lower value, same sign, derivative shrinking
      const double theta = 3 * (fx - fp) / (stp - stx) + dx + dp;
      const double s = std::max({std::fabs(theta), std::fabs(dx), std::fabs(dp)});
      double gamma = s * std::sqrt(std::max(0.0, (theta / s) * (theta / s) - (dx / s) * (dp / s)));
      if (stp > stx) gamma = -gamma;
      const double p = (gamma - dp) + theta, q = (gamma + (dx - dp)) + gamma, r = p / q;
      double stpc;
      if (r < 0 && gamma != 0) stpc = stp + r * (stx - stp);
      else stpc = stp > stx ? stmax_ : stmin_;
      const double stpq = stp + (dp / (dp - dx)) * (stx - stp);
      if (brackt_) {
        stpf = std::fabs(stpc - stp) < std::fabs(stpq - stp) ? stpc : stpq;
        stpf = stp > stx ? std::min(stp + 0.66 * (sty - stp), stpf) : std::max(stp + 0.66 * (sty - stp), stpf);
      } else {
        stpf = std::fabs(stpc - stp) > std::fabs(stpq - stp) ? stpc : stpq;
        stpf = std::clamp(stpf, stmin_, stmax_);
      }
    } else {  // 4: lower value, same sign, derivative not shrinking
      if (brackt_) {
        const double theta = 3 * (fp - fy) / (sty - stp) + dy + dp;
        const double s = std::max({std::fabs(theta), std::fabs(dy), std::fabs(dp)});
        double gamma = s * std::sqrt(std::max(0.0, (theta / s) * (theta / s) - (dy / s) * (dp / s)));
        if (stp > sty) gamma = -gamma;
        const double p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dy, r = p / q;
        stpf = stp + r * (sty - stp);
      } else {
        stpf = stp > stx ? stmax_ : stmin_;
      }
    }
    if (fp > fx) {
      sty = stp, fy = fp, dy = dp;
    } else {
      if (sgnd < 0) sty = stx, fy = fx, dy = dx;
      stx = stp, fx = fp, dx = dp;
    }
    stp = stpf;
  }

  LineSearchSettings s_;
  double finit_, ginit_, gtest_, width_, width1_;
  double stx_, fx_, gx_, sty_, fy_, gy_, stmin_, stmax_, step_;
  bool brackt_ = false;
  int stage_ = 1, trials_ = 0;
  const char* why_ = "";
};

}  // namespace drumrnn::style
