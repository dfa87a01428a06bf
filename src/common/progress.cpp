#include "common/progress.h"

#include <cstdio>
#include <unistd.h>

namespace drumrnn {

Progress::Progress(std::string label, size_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), tty_(::isatty(STDERR_FILENO) == 1) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::update(size_t done) {
  last_done_ = done;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = total_ ? double(done) / double(total_) : 1.0;
  if (tty_) {
    if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    const double eta = done ? elapsed * (double(total_) - double(done)) / double(done) : 0.0;
    std::fprintf(stderr, "\r%s [%s] %zu/%zu %s  %.1f s  ETA %.1f s ", label_.c_str(), bar.c_str(), done, total_,
                 unit_.c_str(), elapsed, eta);
    std::fflush(stderr);
    drawn_ = true;
  } else {
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %zu/%zu %s (%.1f s)\n", label_.c_str(), done, total_, unit_.c_str(), elapsed);
  }
}

void Progress::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace drumrnn
