// MIDI input: a controller's CCs become engine Controls through a ControllerMap (or are learned),
// note-ons go to call-and-response, and clock/transport bytes drive a MidiClockFollower. RtMidi calls
// on_message() on its input thread; it never allocates or locks. The queues are single-producer
// (that thread) single-consumer (the engine / app thread that pops).
#pragma once
#include <RtMidi.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "realtime/clock_follower.h"
#include "realtime/controller_map.h"
#include "realtime/controls.h"
#include "realtime/midi_learn.h"
#include "realtime/midi_ports.h"
#include "realtime/rt.h"

namespace drumrnn::rt {

struct NoteIn {
  uint8_t channel = 0;   // 0-based
  uint8_t pitch = 0;
  uint8_t velocity = 0;  // 1..127 (a note-on with velocity 0 is a note-off and is not delivered)
  int64_t ns = 0;        // CLOCK_MONOTONIC when it arrived
};

struct MidiInStats {
  uint64_t messages = 0, dropped_controls = 0, dropped_notes = 0, dropped_learned = 0;
};

class MidiInput {
 public:
  static constexpr size_t kQueueSize = 1024;

  // `port` may be null (tests feed on_message() directly). The port's callback is installed by start().
  MidiInput(std::unique_ptr<RtMidiIn> port, std::string name);
  ~MidiInput();  // stop()
  MidiInput(const MidiInput&) = delete;
  MidiInput& operator=(const MidiInput&) = delete;

  // Any non-real-time thread. The callback keeps using the old map until it has finished with it; the
  // old map is released here, never on the MIDI thread.
  void set_controller_map(std::shared_ptr<const ControllerMap> map);
  std::shared_ptr<const ControllerMap> controller_map() const;

  void start();  // installs the RtMidi callback and lets clock bytes through (ignoreTypes)
  void stop();   // removes it

  // The MIDI input thread (RtMidi's callback calls this with its time of arrival).
  DRUMRNN_RT void on_message(const uint8_t* bytes, size_t size, int64_t ns);

  // Consumers: one thread each.
  bool pop_control(Control& out) { return controls_.try_dequeue(out); }
  bool pop_note(NoteIn& out) { return notes_.try_dequeue(out); }
  bool pop_learned(ControllerBinding& out) { return learned_.try_dequeue(out); }  // after learn().arm()

  MidiLearn& learn() { return learn_; }
  const MidiClockFollower& clock() const { return clock_; }
  const std::string& name() const { return name_; }
  MidiInStats stats() const;

 private:
  static void rtmidi_callback(double, std::vector<unsigned char>* message, void* self);

  std::unique_ptr<RtMidiIn> port_;
  std::string name_;
  bool started_ = false;

  // The map the callback reads, and the epoch counters that tell set_controller_map() when a
  // callback that may hold the old pointer has finished (the callback is one thread).
  std::atomic<const ControllerMap*> map_{nullptr};
  std::atomic<uint64_t> entered_{0}, left_{0};
  mutable std::mutex owner_mutex_;  // guards owned_ (non-real-time side only)
  std::shared_ptr<const ControllerMap> owned_;

  ToggleState toggles_;  // MIDI thread only
  MidiLearn learn_;
  MidiClockFollower clock_;
  moodycamel::ReaderWriterQueue<Control> controls_{kQueueSize};
  moodycamel::ReaderWriterQueue<NoteIn> notes_{kQueueSize};
  moodycamel::ReaderWriterQueue<ControllerBinding> learned_{64};
  std::atomic<uint64_t> messages_{0}, dropped_controls_{0}, dropped_notes_{0}, dropped_learned_{0};
};

}  // namespace drumrnn::rt
