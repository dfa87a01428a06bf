// How a long job (convert, create-dataset, training, later a style render) talks to whoever runs it:
// progress and report lines go out through a JobObserver, and a cancel request comes in through it.
// Library code never prints or installs signal handlers; src/app/ commands print and handle Ctrl-C,
// the panel and the background worker draw the same progress and cancel the same way.
#pragma once
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace drumrnn {

struct JobProgress {
  std::string_view stage;    // "convert", "create-dataset", "train", "eval", ...
  int64_t done = 0;          // files, steps or iterations done so far
  int64_t total = 0;         // 0 = open-ended (train until stopped)
  double loss = NAN;         // the latest loss, where the job has one
  double accuracy = NAN;
  double rate = 0;           // units per second over the latest window
  double tokens_per_s = 0;   // training only
};

class JobObserver {
 public:
  virtual ~JobObserver() = default;
  // Called from the job's own thread, at most a few times per second for fast jobs.
  virtual void on_progress(const JobProgress&) {}
  // A line worth showing a person: "skipped FILE: reason", "checkpoint at step N", a metrics line.
  // `error` marks lines that report a failure (a skipped file, a stopped run).
  virtual void on_message(std::string_view, bool error = false) { (void)error; }
  // Polled by the job between units of work; true makes it stop at the next safe point.
  virtual bool cancelled() const { return cancel_.load(std::memory_order_relaxed); }
  // Any thread (a signal handler too: it is a lock-free atomic store).
  void cancel() { cancel_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancel_{false};
};

// For callers that want a job to run silently and uncancelled.
inline JobObserver& silent_job() {
  static JobObserver observer;
  return observer;
}

}  // namespace drumrnn
