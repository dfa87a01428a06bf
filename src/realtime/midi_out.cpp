#include "realtime/midi_out.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace drumrnn::rt {
namespace {

// The longest single sleep, so that stop() is seen promptly even when an event is far ahead.
constexpr int64_t kMaxSleepNs = 20'000'000;

timespec to_timespec(int64_t ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  return ts;
}

}  // namespace

MidiOutSender::MidiOutSender(std::unique_ptr<RtMidiOut> port, const FrameClock& clock, std::string port_name,
                             size_t queue_events)
    : port_(std::move(port)), clock_(clock), port_name_(std::move(port_name)), queue_(queue_events) {}

MidiOutSender::~MidiOutSender() { stop(); }

bool MidiOutSender::push(const MidiEvent& e) {
  if (queue_.try_enqueue(e)) return true;
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void MidiOutSender::start() {
  if (thread_.joinable()) return;
  stop_.store(false, std::memory_order_relaxed);
  thread_ = std::thread([this] { run(); });
  sched_param param{};
  param.sched_priority = kPriority;
  const int err = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &param);
  status_ = err == 0 ? std::string()
                     : "MIDI out thread: no real-time priority (SCHED_FIFO: " + std::string(std::strerror(err)) +
                           "); timing is best effort";
}

void MidiOutSender::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_relaxed);
  thread_.join();
  MidiEvent e;
  while (queue_.try_dequeue(e)) {
  }
}

MidiOutStats MidiOutSender::stats() const {
  MidiOutStats s;
  s.sent = sent_.load(std::memory_order_relaxed);
  s.dropped = dropped();
  s.late = late_.load(std::memory_order_relaxed);
  s.max_late_ns = max_late_ns_.load(std::memory_order_relaxed);
  return s;
}

// Sleeps in absolute steps (no drift from wake-up latency) until kSpinNs before the target, then spins:
// the scheduler's wake-up latency (tens of µs even under SCHED_FIFO) is what the spin absorbs.
void MidiOutSender::wait_until(int64_t target_ns) {
  for (;;) {
    if (stop_.load(std::memory_order_relaxed)) return;
    const int64_t now = monotonic_now_ns();
    const int64_t wake = target_ns - kSpinNs;
    if (now >= wake) break;
    const timespec ts = to_timespec(std::min(wake, now + kMaxSleepNs));
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
  }
  while (monotonic_now_ns() < target_ns) {
  }
}

void MidiOutSender::send(const MidiEvent& e) {
  if (e.size == 0 || e.size > 3 || !port_) return;
  port_->sendMessage(e.bytes, e.size);
  sent_.fetch_add(1, std::memory_order_relaxed);
}

void MidiOutSender::run() {
  MidiEvent e;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (!queue_.wait_dequeue_timed(e, std::chrono::milliseconds(20))) continue;
    int64_t target = 0;
    if (clock_.frame_to_ns(e.frame, target)) {
      const int64_t now = monotonic_now_ns();
      if (target - now > kMaxLeadNs) target = now;
      wait_until(target);
      if (stop_.load(std::memory_order_relaxed)) break;
      const int64_t late = monotonic_now_ns() - target;
      if (late > kLateNs) late_.fetch_add(1, std::memory_order_relaxed);
      if (late > max_late_ns_.load(std::memory_order_relaxed)) max_late_ns_.store(late, std::memory_order_relaxed);
    }
    // Without a published clock there is no time to wait for: send at once.
    send(e);
  }
}

}  // namespace drumrnn::rt
