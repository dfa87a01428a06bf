#include "common/progress.h"
#include "app/train_console.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace drumrnn {

namespace {

}  // namespace

TrainConsole::TrainConsole() : tty_(::isatty(STDOUT_FILENO) == 1) {}

TrainConsole::~TrainConsole() { end_bar(); }

void TrainConsole::end_bar() {
  if (!bar_drawn_) return;
  std::printf("\n");
  std::fflush(stdout);
  bar_drawn_ = false;
}

void TrainConsole::on_progress(const JobProgress& p) {
  if (p.stage != "train") return;  // an evaluation's numbers arrive as a message line too
  if (tty_) {
    const std::string total = p.total ? "/" + std::to_string(p.total) : "";
    const std::string eta =
        p.total && p.rate > 0 ? "  ETA " + duration_text(double(p.total - p.done) / p.rate) : std::string();
    std::printf("\rstep %lld%s  loss %.4f  acc %.3f  %.2f steps/s  %.0f tokens/s%s   ", (long long)p.done,
                total.c_str(), p.loss, p.accuracy, p.rate, p.tokens_per_s, eta.c_str());
    bar_drawn_ = true;
  } else {
    std::printf("Global Step: %lld - Loss: %.4f - Perplexity: %.3f - Accuracy: %.4f - %.2f steps/s, %.0f tokens/s\n",
                (long long)p.done, p.loss, std::exp(p.loss), p.accuracy, p.rate, p.tokens_per_s);
  }
  std::fflush(stdout);
}

void TrainConsole::on_message(std::string_view line, bool error) {
  end_bar();
  if (error) {
    std::fprintf(stderr, "drumrnn train: error: %.*s\n", int(line.size()), line.data());
    std::fflush(stderr);
  } else {
    std::printf("%.*s\n", int(line.size()), line.data());
    std::fflush(stdout);
  }
}

}  // namespace drumrnn
