// How drumrnn train shows a run on the terminal: a redrawn progress line on a tty, Magenta-style
// "Global Step: ..." lines otherwise, report lines on stdout and errors on stderr.
#pragma once
#include "common/job.h"

namespace drumrnn {

class TrainConsole final : public JobObserver {
 public:
  TrainConsole();
  ~TrainConsole() override;  // ends a progress line left on the terminal
  void on_progress(const JobProgress& p) override;
  void on_message(std::string_view line, bool error) override;

 private:
  void end_bar();
  bool tty_;
  bool bar_drawn_ = false;  // the cursor is at the end of a \r progress line
};

}  // namespace drumrnn
