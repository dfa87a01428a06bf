// Progress for long batch jobs: a redrawn bar on a terminal, plain lines (every ~10%) otherwise.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace drumrnn {

class Progress {
 public:
  Progress(std::string label, size_t total, std::string unit = "files");
  void update(size_t done);  // call from one thread only
  void finish();             // ends the bar's line (before printing other lines, too)

 private:
  std::string label_, unit_;
  size_t total_;
  bool tty_;
  int last_decile_ = -1;
  size_t last_done_ = 0;
  bool drawn_ = false;  // a bar is on the current terminal line
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace drumrnn
