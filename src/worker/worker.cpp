#include "worker/worker.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <exception>

#include "ml/trainer.h"

namespace drumrnn {

#ifdef DRUMRNN_HAVE_CUDA
int cuda_device_count(std::string& why_none);  // ml/cuda/device_query.cu
#endif

std::string_view worker_device_name(WorkerDevice device) { return device == WorkerDevice::cuda ? "cuda" : "cpu"; }

std::string_view job_state_name(JobState state) {
  switch (state) {
    case JobState::queued: return "queued";
    case JobState::running: return "running";
    case JobState::done: return "done";
    case JobState::failed: return "failed";
    case JobState::cancelled: return "cancelled";
  }
  return "?";
}

std::string lower_current_thread_priority() {
  // SCHED_IDLE runs the thread only when a core would otherwise idle; any user may lower to it.
  sched_param param{};
  if (sched_setscheduler(0, SCHED_IDLE, &param) == 0) return "SCHED_IDLE";
  // setpriority on a TID sets that thread's nice value alone (Linux threads are tasks).
  if (setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), 19) == 0) return "nice 19";
  return "";
}

static WorkerDevice pick_device(const std::string& name) {
  Device wanted = parse_device(name);
  if (wanted == Device::cpu) return WorkerDevice::cpu;
  int gpus = 0;
  std::string why = "this drumrnn was built without CUDA";
#ifdef DRUMRNN_HAVE_CUDA
  gpus = cuda_device_count(why);
#endif
  if (gpus > 0) return WorkerDevice::cuda;
  if (wanted == Device::cuda) throw DeviceError("worker --device cuda: " + why);
  return WorkerDevice::cpu;
}

static int spare_cores(int asked) {
  if (asked > 0) return asked;
  int cores = int(std::thread::hardware_concurrency());
  return std::max(1, cores - 1);  // leave one core to the audio, the generator and the panel
}

// One job as the worker sees it: its status, guarded by the worker's mutex, and its cancel flag.
struct Worker::Entry {
  JobStatus status;
  std::unique_ptr<Job> job;
  std::unique_ptr<EntryObserver> observer;
};

// Turns a job's progress and messages into its JobStatus (a short lock, off the audio thread).
class Worker::EntryObserver final : public JobObserver {
 public:
  EntryObserver(Worker& worker, Entry& entry) : worker_(worker), entry_(entry) {}
  void on_progress(const JobProgress& p) override {
    std::lock_guard lock(worker_.mutex_);
    JobStatus& s = entry_.status;
    s.stage.assign(p.stage);
    s.done = p.done;
    s.total = p.total;
    if (p.stage == "eval") {
      if (std::isfinite(p.loss)) s.eval_loss = p.loss;
    } else {
      if (std::isfinite(p.loss)) s.loss = p.loss;
      s.rate = p.rate;
    }
    s.eta_seconds = (p.total > 0 && s.rate > 0 && p.done <= p.total) ? double(p.total - p.done) / s.rate : NAN;
  }
  void on_message(std::string_view line, bool error) override {
    std::lock_guard lock(worker_.mutex_);
    entry_.status.last_message.assign(line);
    entry_.status.last_message_error = error;
  }

 private:
  Worker& worker_;
  Entry& entry_;
};

Worker::Worker(WorkerOptions options) : options_(std::move(options)) {
  context_.device = pick_device(options_.device);
  context_.threads = spare_cores(options_.cpu_threads);
  thread_ = std::thread([this] { thread_main(); });
}

Worker::~Worker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& e : queue_) e->observer->cancel();
    if (running_) running_->observer->cancel();
  }
  wake_.notify_all();
  thread_.join();
}

JobId Worker::submit(std::unique_ptr<Job> job) {
  auto entry = std::make_shared<Entry>();
  entry->status.name = job->name();
  entry->job = std::move(job);
  entry->observer = std::make_unique<EntryObserver>(*this, *entry);
  JobId id;
  {
    std::lock_guard lock(mutex_);
    id = entry->status.id = next_id_++;
    queue_.push_back(std::move(entry));
  }
  wake_.notify_all();
  return id;
}

bool Worker::cancel(JobId id) {
  std::lock_guard lock(mutex_);
  if (running_ && running_->status.id == id) {
    running_->observer->cancel();
    return true;
  }
  auto it = std::find_if(queue_.begin(), queue_.end(), [&](auto& e) { return e->status.id == id; });
  if (it == queue_.end()) return false;
  (*it)->status.state = JobState::cancelled;  // never runs: handed back as cancelled straight away
  finished_.push_back(std::move(*it));
  queue_.erase(it);
  idle_cv_.notify_all();
  return true;
}

void Worker::cancel_all() {
  std::vector<JobId> ids;
  {
    std::lock_guard lock(mutex_);
    for (auto& e : queue_) ids.push_back(e->status.id);
    if (running_) ids.push_back(running_->status.id);
  }
  for (JobId id : ids) cancel(id);
}

std::optional<JobStatus> Worker::status(JobId id) const {
  std::lock_guard lock(mutex_);
  if (running_ && running_->status.id == id) return running_->status;
  for (auto& e : queue_)
    if (e->status.id == id) return e->status;
  for (auto& e : finished_)
    if (e->status.id == id) return e->status;
  return std::nullopt;
}

std::vector<JobStatus> Worker::statuses() const {
  std::lock_guard lock(mutex_);
  std::vector<JobStatus> out;
  for (auto& e : finished_) out.push_back(e->status);
  if (running_) out.push_back(running_->status);
  for (auto& e : queue_) out.push_back(e->status);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return out;
}

std::vector<FinishedJob> Worker::take_finished() {
  std::vector<std::shared_ptr<Entry>> taken;
  {
    std::lock_guard lock(mutex_);
    taken.swap(finished_);
  }
  std::vector<FinishedJob> out;
  for (auto& e : taken) out.push_back({e->status.id, e->status.state, e->status.error, std::move(e->job)});
  return out;
}

bool Worker::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && !running_;
}

bool Worker::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !running_; });
}

void Worker::thread_main() {
  // Only the CPU backend competes with the audio for cores; a GPU job mostly waits on the device.
  if (options_.low_priority && context_.device == WorkerDevice::cpu) lower_current_thread_priority();
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and every queued job was handed back
    running_ = std::move(queue_.front());
    queue_.pop_front();
    Entry& entry = *running_;
    if (stopping_) entry.observer->cancel();
    entry.status.state = JobState::running;
    lock.unlock();
    JobState state = JobState::done;
    std::string error;
    try {
      if (!entry.observer->cancelled()) entry.job->run(context_, *entry.observer);
      if (entry.observer->cancelled()) state = JobState::cancelled;
    } catch (const std::exception& e) {
      state = entry.observer->cancelled() ? JobState::cancelled : JobState::failed;
      error = e.what();
    } catch (...) {
      state = JobState::failed;
      error = "unknown error";
    }
    lock.lock();
    entry.status.state = state;
    entry.status.error = std::move(error);
    finished_.push_back(std::move(running_));
    running_.reset();
    idle_cv_.notify_all();
  }
}

}  // namespace drumrnn
