// The background worker: one device (the GPU when one is present, otherwise the spare CPU cores) and
// a queue of long jobs (train now, a style render later) run one at a time on the worker's own thread.
// A job reports progress through the JobObserver it is given, can be cancelled, and hands its result
// back without blocking anyone: the panel or service thread polls status() and take_finished().
// The CPU backend runs its thread (and so every thread a job starts from it) at the lowest priority
// the kernel offers without privileges (SCHED_IDLE, else nice 19), so audio never waits for training.
// Never call any of this from the audio thread: status() and take_finished() take a short mutex.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/job.h"

namespace drumrnn {

enum class WorkerDevice { cpu, cuda };
std::string_view worker_device_name(WorkerDevice device);

struct WorkerOptions {
  std::string device = "auto";  // "cpu" | "cuda" | "auto" (the GPU when one is present)
  int cpu_threads = 0;          // 0 = one core fewer than the machine has, at least 1
  bool low_priority = true;     // SCHED_IDLE, else nice 19 (tests may turn it off)
};

// What a job is told about the device it runs on.
struct WorkerContext {
  WorkerDevice device = WorkerDevice::cpu;
  int threads = 1;  // CPU threads the job may use
};

// A unit of work. Subclass it, keep the result in members, and read them after take_finished()
// hands the job back (the worker never touches a job again after it returns from run()).
class Job {
 public:
  virtual ~Job() = default;
  virtual std::string name() const = 0;  // "train", "style", ... shown in the panel
  // Runs on the worker thread. Report through `observer` and poll observer.cancelled() between units
  // of work. Throwing marks the job failed with the exception's message (one line).
  virtual void run(const WorkerContext& context, JobObserver& observer) = 0;
};

enum class JobState { queued, running, done, failed, cancelled };
std::string_view job_state_name(JobState state);

using JobId = uint64_t;

// A snapshot of one job for a progress line or the panel.
struct JobStatus {
  JobId id = 0;
  std::string name;
  JobState state = JobState::queued;
  std::string stage;       // the latest JobProgress::stage
  int64_t done = 0, total = 0;
  double loss = NAN;       // the latest "train" loss
  double eval_loss = NAN;  // the latest "eval" loss
  double rate = 0;         // units (steps, files) per second
  double eta_seconds = NAN;  // NAN when open-ended or not yet known
  std::string last_message;
  bool last_message_error = false;
  std::string error;       // why it failed, for JobState::failed
};

struct FinishedJob {
  JobId id = 0;
  JobState state = JobState::done;  // done, failed or cancelled
  std::string error;
  std::unique_ptr<Job> job;  // the job itself, results in its members
};

class Worker {
 public:
  // Picks the device (throws DeviceError for "cuda" without a GPU) and starts the worker thread.
  explicit Worker(WorkerOptions options = {});
  ~Worker();  // cancels every job and joins the thread
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  WorkerDevice device() const { return context_.device; }
  int threads() const { return context_.threads; }

  JobId submit(std::unique_ptr<Job> job);  // runs after the jobs already queued, in order
  bool cancel(JobId id);                   // a queued job never runs; a running one stops soon
  void cancel_all();

  std::optional<JobStatus> status(JobId id) const;  // queued, running, or finished and not yet taken
  std::vector<JobStatus> statuses() const;          // every such job, in submission order
  std::vector<FinishedJob> take_finished();         // jobs finished since the last call, in order
  bool idle() const;                                // nothing queued or running
  // For tests and shutdown paths: waits until idle() or the timeout; true when idle.
  bool wait_idle(std::chrono::milliseconds timeout) const;

 private:
  struct Entry;
  class EntryObserver;
  void thread_main();

  WorkerOptions options_;
  WorkerContext context_;
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_, idle_cv_;
  std::deque<std::shared_ptr<Entry>> queue_;     // queued, in order
  std::shared_ptr<Entry> running_;
  std::vector<std::shared_ptr<Entry>> finished_;  // not yet taken
  JobId next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

// Lowers the calling thread to SCHED_IDLE, else nice 19 (Linux applies both per thread, and threads
// it starts inherit them). Returns what it applied: "SCHED_IDLE", "nice 19", or "" when neither was.
std::string lower_current_thread_priority();

}  // namespace drumrnn
