#include "app/terminal_progress.h"

#include <atomic>
#include <cmath>
#include <string>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace drumrnn {

namespace {
// The unit shown after "done/total" for each stage a library job reports.
const char* unit_of(std::string_view stage) {
  if (stage == "create-dataset") return "sequences";
  if (stage == "style" || stage == "phase") return "iterations";  // L-BFGS, Griffin-Lim
  return "files";
}
// "  loss 1.234e+04" when the stage reports one.
std::string loss_text(const JobProgress& p) {
  if (std::isnan(p.loss)) return "";
  char buf[48];
  std::snprintf(buf, sizeof buf, "  loss %.4g", p.loss);
  return buf;
}
}  // namespace

void TerminalProgress::on_progress(const JobProgress& p) {
  if (level_ > LogLevel::info) return;
  const auto now = std::chrono::steady_clock::now();
  if (p.stage != stage_) {  // a new stage: a new bar
    finish();
    stage_ = std::string(p.stage);
    total_ = p.total;
    tty_ = ::isatty(STDERR_FILENO) == 1;
    last_decile_ = -1;
    start_ = last_draw_ = now;
  }
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = p.total ? double(p.done) / double(p.total) : 1.0;
  if (tty_) {
    if (p.done != p.total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    std::string bar(static_cast<size_t>(frac * kWidth), '#');
    bar.resize(kWidth, '.');
    const double eta = p.done ? elapsed * (double(p.total) - double(p.done)) / double(p.done) : 0.0;
    std::fprintf(stderr, "\r%s [%s] %lld/%lld %s%s  %.1f s  ETA %.1f s ", stage_.c_str(), bar.c_str(),
                 (long long)p.done, (long long)p.total, unit_of(stage_), loss_text(p).c_str(), elapsed, eta);
    std::fflush(stderr);
    drawn_ = true;
  } else {
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %lld/%lld %s%s (%.1f s)\n", stage_.c_str(), (long long)p.done, (long long)p.total,
                 unit_of(stage_), loss_text(p).c_str(), elapsed);
  }
}

void TerminalProgress::on_message(std::string_view line, bool error) {
  if (level_ > (error ? LogLevel::warn : LogLevel::info)) return;
  finish();
  std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
}

void TerminalProgress::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

namespace {
std::atomic<JobObserver*> interrupt_target{nullptr};

extern "C" void cancel_on_signal(int sig) {
  if (JobObserver* o = interrupt_target.load()) o->cancel();
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the program
}
}  // namespace

CancelOnInterrupt::CancelOnInterrupt(JobObserver& observer) {
  interrupt_target.store(&observer);
  std::signal(SIGINT, cancel_on_signal);
  std::signal(SIGTERM, cancel_on_signal);
}

CancelOnInterrupt::~CancelOnInterrupt() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  interrupt_target.store(nullptr);
}

}  // namespace drumrnn
