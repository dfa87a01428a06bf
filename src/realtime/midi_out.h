// Sends the engine's MIDI (clock, start/stop, notes) through RtMidi at the moment each event's frame
// leaves the audio output. The audio thread pushes events in frame order into a pre-sized SPSC
// queue; a dedicated sender thread turns frames into CLOCK_MONOTONIC times via FrameClock, sleeps
// until just before each one (clock_nanosleep TIMER_ABSTIME), spins the last ~50 µs, and sends.
#pragma once
#include <RtMidi.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "realtime/frame_clock.h"
#include "realtime/midi_event.h"
#include "realtime/midi_ports.h"
#include "realtime/rt.h"

namespace drumrnn::rt {

struct MidiOutStats {
  uint64_t sent = 0;
  uint64_t dropped = 0;         // push() found the queue full
  uint64_t late = 0;            // sent more than kLateNs after their time
  int64_t max_late_ns = 0;      // worst lateness seen
};

class MidiOutSender {
 public:
  static constexpr size_t kDefaultQueueEvents = 4096;   // ~10 s of 24-ppqn clock plus dense notes
  static constexpr int64_t kSpinNs = 50'000;            // sleep until this long before, then spin
  static constexpr int64_t kLateNs = 1'000'000;         // counted as late beyond 1 ms
  // SCHED_FIFO priority of the sender thread (where permitted): above every normal process, below the
  // audio threads: a default JACK 2 server runs at 10 and its clients' process threads at 5.
  static constexpr int kPriority = 3;
  static constexpr int64_t kMaxLeadNs = 2'000'000'000;  // an event further ahead means a bad clock:
                                                        // send it then rather than hold the queue

  MidiOutSender(std::unique_ptr<RtMidiOut> port, const FrameClock& clock, std::string port_name,
                size_t queue_events = kDefaultQueueEvents);
  ~MidiOutSender();  // stops and joins the sender thread
  MidiOutSender(const MidiOutSender&) = delete;
  MidiOutSender& operator=(const MidiOutSender&) = delete;

  // Audio thread: try_enqueue; false (and dropped() + 1) when the queue is full. Events must come in
  // frame order. Wakes the sender through a lightweight semaphore (an atomic, sem_post only when it
  // sleeps on an empty queue).
  DRUMRNN_RT bool push(const MidiEvent& e);

  void start();  // starts the sender thread (SCHED_FIFO where permitted); no-op when running
  void stop();   // joins it; events still queued are discarded
  bool running() const { return thread_.joinable(); }

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  MidiOutStats stats() const;
  const std::string& port_name() const { return port_name_; }
  // "" or a one-time note such as "MIDI out thread: no real-time priority (SCHED_FIFO: Operation not
  // permitted); timing is best effort". Set by start(), read by the app to print once.
  const std::string& status() const { return status_; }

 private:
  void run();
  void wait_until(int64_t target_ns);
  void send(const MidiEvent& e);

  std::unique_ptr<RtMidiOut> port_;
  const FrameClock& clock_;
  std::string port_name_, status_;
  moodycamel::BlockingReaderWriterQueue<MidiEvent> queue_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> dropped_{0}, sent_{0}, late_{0};
  std::atomic<int64_t> max_late_ns_{0};
};

}  // namespace drumrnn::rt
