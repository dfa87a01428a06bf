// What the machine itself does to a real-time thread while a JACK test runs. A SCHED_FIFO thread
// (a normal one where the kernel refuses) on each CPU sleeps one period at a time to absolute
// deadlines and counts the wakeups that came more than half a period late: a JACK cycle that
// starts that late leaves its clients too little of the period to finish in. On a virtual machine whose vCPU the host
// preempts, such stalls happen with the machine idle (38 ms measured on this project's 2-core
// Firecracker VMs), and every one can cost an xrun that no client can prevent. A test that wants
// zero xruns holds the engine to it only where the platform kept every deadline during the run.
#pragma once
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace drumrnn::test {

class SchedulingProbe {
 public:
  explicit SchedulingProbe(double period_seconds) : period_ns_(int64_t(period_seconds * 1e9)) {
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned cpu = 0; cpu < cpus; ++cpu) threads_.emplace_back([this, cpu] { run(int(cpu)); });
  }
  ~SchedulingProbe() { stop(); }
  SchedulingProbe(const SchedulingProbe&) = delete;
  SchedulingProbe& operator=(const SchedulingProbe&) = delete;

  void stop() {
    running_.store(false);
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  int64_t stalls() const { return stalls_.load(); }             // wakeups more than half a period late
  double worst_ms() const { return worst_ns_.load() / 1e6; }
  bool realtime() const { return realtime_.load(); }
  // True when the platform kept every deadline, so an xrun can only be the client's doing.
  bool kept_deadlines() const { return stalls() == 0; }

  std::string describe() const {
    std::ostringstream s;
    s << "scheduling probe (" << threads_.size() << (realtime() ? " SCHED_FIFO" : " SCHED_OTHER") << " threads, "
      << period_ns_ / 1000 << " us period): " << stalls() << " wakeups more than half a period late, worst "
      << worst_ms() << " ms";
    return s.str();
  }

 private:
  static int64_t now_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
  }
  void run(int cpu) {
    // One thread per CPU, pinned, so a stall of either vCPU is seen; just below JACK's default
    // client priority, as an audio client's own thread would run.
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    sched_param p{};
    p.sched_priority = 9;
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &p) == 0) realtime_.store(true);
    int64_t next = now_ns();
    while (running_.load(std::memory_order_relaxed)) {
      next += period_ns_;
      timespec wake{time_t(next / 1000000000), long(next % 1000000000)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, nullptr);
      const int64_t late = now_ns() - next;
      int64_t worst = worst_ns_.load(std::memory_order_relaxed);
      while (late > worst && !worst_ns_.compare_exchange_weak(worst, late)) {
      }
      if (late > period_ns_ / 2) {
        stalls_.fetch_add(1);
        next = now_ns();  // count a stall once, not once per missed deadline
      }
    }
  }

  const int64_t period_ns_;
  std::atomic<bool> running_{true}, realtime_{false};
  std::atomic<int64_t> stalls_{0}, worst_ns_{0};
  std::vector<std::thread> threads_;
};

}  // namespace drumrnn::test
