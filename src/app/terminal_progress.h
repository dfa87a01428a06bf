// The commands' JobObserver: draws a library job's progress on stderr (a redrawn bar on a terminal,
// plain lines every ~10% otherwise), prints its messages, and turns Ctrl-C into cancel().
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "app/magenta_flags.h"
#include "common/job.h"

namespace drumrnn {

class TerminalProgress : public JobObserver {
 public:
  // Below `level` nothing is shown: INFO shows everything, WARN only skipped files and other
  // error lines, ERROR and FATAL nothing (Magenta's --log threshold).
  explicit TerminalProgress(LogLevel level = LogLevel::info) : level_(level) {}
  ~TerminalProgress() override { finish(); }

  void on_progress(const JobProgress& p) override;
  void on_message(std::string_view line, bool error = false) override;
  void finish();  // ends a bar's line (before the caller prints other lines, too)

 private:
  LogLevel level_;
  std::string stage_;
  int64_t total_ = 0;
  bool tty_ = false;
  int last_decile_ = -1;
  bool drawn_ = false;  // a bar is on the current terminal line
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// While alive, SIGINT and SIGTERM call observer.cancel() (the job stops at its next safe point);
// a second signal ends the program as usual.
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(JobObserver& observer);
  ~CancelOnInterrupt();
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;
};

}  // namespace drumrnn
