// How a batch job reports "done of total" through its JobObserver: at most about ten calls a second,
// plus the last one, so a fast job over many small files does not spend its time drawing bars.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "common/job.h"

namespace drumrnn {

class ProgressReporter {
 public:
  ProgressReporter(JobObserver& observer, std::string stage, int64_t total)
      : observer_(observer), stage_(std::move(stage)), total_(total), start_(std::chrono::steady_clock::now()) {}

  // Call from one thread only (the job's consuming thread).
  void update(int64_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    JobProgress p;
    p.stage = stage_;
    p.done = done;
    p.total = total_;
    p.rate = elapsed > 0 ? double(done) / elapsed : 0.0;
    observer_.on_progress(p);
  }

 private:
  JobObserver& observer_;
  std::string stage_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_, last_{};
};

// "12m05s" or "1h02m", for ETAs and run times.
std::string duration_text(double seconds);

}  // namespace drumrnn
