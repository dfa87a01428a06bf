// The background worker through its public interface: queue order, cancel, progress, the result
// handed back by polling, and the low priority of the CPU backend read back from the kernel.
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "worker/worker.h"

using namespace drumrnn;
using namespace std::chrono_literals;

namespace {

std::mutex order_mutex;

// Records its turn, reports `steps` steps of progress, and stops early when cancelled.
struct CountingJob : Job {
  int label, steps;
  std::vector<int>* order;
  std::atomic<bool>* release = nullptr;  // when set, waits for it before finishing
  int done = 0;                          // the result, read after take_finished()
  int policy = -1, nice_value = 0;       // what the worker thread ran at
  CountingJob(int l, int s, std::vector<int>* o) : label(l), steps(s), order(o) {}
  std::string name() const override { return "count"; }
  void run(const WorkerContext&, JobObserver& observer) override {
    policy = sched_getscheduler(0);
    errno = 0;
    nice_value = getpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)));
    {
      std::lock_guard lock(order_mutex);
      order->push_back(label);
    }
    for (done = 0; done < steps && !observer.cancelled(); ++done) {
      JobProgress p;
      p.stage = "train";
      p.done = done + 1;
      p.total = steps;
      p.loss = 1.0 / (done + 1);
      p.rate = 100;
      observer.on_progress(p);
    }
    while (release && !release->load() && !observer.cancelled()) std::this_thread::sleep_for(1ms);
  }
};

struct ThrowingJob : Job {
  std::string name() const override { return "throw"; }
  void run(const WorkerContext&, JobObserver&) override { throw std::runtime_error("bad.mid: no drums"); }
};

WorkerOptions cpu_options() {
  WorkerOptions o;
  o.device = "cpu";
  return o;
}

}  // namespace

TEST_CASE("Worker runs jobs one at a time in submission order and hands each back", "[worker]") {
  std::vector<int> order;
  Worker worker(cpu_options());
  std::vector<JobId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(worker.submit(std::make_unique<CountingJob>(i, 10, &order)));
  REQUIRE(worker.wait_idle(10s));
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  auto finished = worker.take_finished();
  REQUIRE(finished.size() == 5);
  for (int i = 0; i < 5; ++i) {
    CHECK(finished[i].id == ids[i]);
    CHECK(finished[i].state == JobState::done);
    auto* job = dynamic_cast<CountingJob*>(finished[i].job.get());
    REQUIRE(job);
    CHECK(job->done == 10);
  }
  CHECK(worker.take_finished().empty());
  CHECK_FALSE(worker.status(ids[0]));  // taken jobs are forgotten
}

TEST_CASE("Worker reports progress with an ETA while a job runs", "[worker]") {
  std::vector<int> order;
  std::atomic<bool> release{false};
  Worker worker(cpu_options());
  auto job = std::make_unique<CountingJob>(0, 50, &order);
  job->release = &release;
  JobId id = worker.submit(std::move(job));
  std::optional<JobStatus> s;
  for (int i = 0; i < 2000; ++i) {
    s = worker.status(id);
    if (s && s->done == 50) break;
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(s);
  CHECK(s->state == JobState::running);
  CHECK(s->stage == "train");
  CHECK(s->total == 50);
  CHECK(s->loss == Approx(1.0 / 50));
  CHECK(s->rate == 100);
  CHECK(s->eta_seconds == Approx(0.0));
  CHECK(worker.take_finished().empty());  // still running: nothing to hand back, and no waiting
  release = true;
  REQUIRE(worker.wait_idle(10s));
  CHECK(worker.take_finished().at(0).state == JobState::done);
}

TEST_CASE("Worker cancels a running job and a queued one that then never runs", "[worker]") {
  std::vector<int> order;
  std::atomic<bool> never{false};
  Worker worker(cpu_options());
  auto first = std::make_unique<CountingJob>(0, 1, &order);
  first->release = &never;  // runs until cancelled
  JobId running = worker.submit(std::move(first));
  JobId queued = worker.submit(std::make_unique<CountingJob>(1, 1, &order));
  while (worker.status(running)->state != JobState::running) std::this_thread::sleep_for(1ms);
  CHECK(worker.cancel(queued));
  CHECK(worker.cancel(running));
  CHECK_FALSE(worker.cancel(12345));
  REQUIRE(worker.wait_idle(10s));
  auto finished = worker.take_finished();
  REQUIRE(finished.size() == 2);
  for (auto& f : finished) CHECK(f.state == JobState::cancelled);
  CHECK(order == std::vector<int>{0});
}

TEST_CASE("Worker marks a throwing job failed with its message and goes on", "[worker]") {
  std::vector<int> order;
  Worker worker(cpu_options());
  worker.submit(std::make_unique<ThrowingJob>());
  worker.submit(std::make_unique<CountingJob>(7, 3, &order));
  REQUIRE(worker.wait_idle(10s));
  auto finished = worker.take_finished();
  REQUIRE(finished.size() == 2);
  CHECK(finished[0].state == JobState::failed);
  CHECK(finished[0].error == "bad.mid: no drums");
  CHECK(finished[1].state == JobState::done);
}

TEST_CASE("Worker's CPU backend runs at idle priority and leaves a core free", "[worker]") {
  std::vector<int> order;
  Worker worker(cpu_options());
  CHECK(worker.device() == WorkerDevice::cpu);
  int cores = int(std::thread::hardware_concurrency());
  CHECK(worker.threads() == std::max(1, cores - 1));
  worker.submit(std::make_unique<CountingJob>(0, 1, &order));
  REQUIRE(worker.wait_idle(10s));
  auto* job = dynamic_cast<CountingJob*>(worker.take_finished().at(0).job.get());
  REQUIRE(job);
  // SCHED_IDLE when the kernel allows it (it always does for lowering), else nice 19.
  CHECK((job->policy == SCHED_IDLE || job->nice_value == 19));
  // The caller's own thread is untouched.
  CHECK(sched_getscheduler(0) == SCHED_OTHER);
}

TEST_CASE("Worker without low priority leaves the thread as it was", "[worker]") {
  std::vector<int> order;
  WorkerOptions o = cpu_options();
  o.low_priority = false;
  o.cpu_threads = 3;
  Worker worker(o);
  CHECK(worker.threads() == 3);
  worker.submit(std::make_unique<CountingJob>(0, 1, &order));
  REQUIRE(worker.wait_idle(10s));
  auto* job = dynamic_cast<CountingJob*>(worker.take_finished().at(0).job.get());
  CHECK(job->policy == SCHED_OTHER);
}

TEST_CASE("Worker's destructor cancels what is queued and running", "[worker]") {
  std::vector<int> order;
  std::atomic<bool> never{false};
  auto start = std::chrono::steady_clock::now();
  {
    Worker worker(cpu_options());
    auto job = std::make_unique<CountingJob>(0, 1, &order);
    job->release = &never;
    worker.submit(std::move(job));
    worker.submit(std::make_unique<CountingJob>(1, 1, &order));
  }
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(order.size() <= 1);
}
