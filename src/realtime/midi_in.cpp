#include "realtime/midi_in.h"

#include <thread>

#include "realtime/frame_clock.h"
#include "realtime/midi_event.h"

namespace drumrnn::rt {

MidiInput::MidiInput(std::unique_ptr<RtMidiIn> port, std::string name) : port_(std::move(port)), name_(std::move(name)) {}

MidiInput::~MidiInput() { stop(); }

void MidiInput::set_controller_map(std::shared_ptr<const ControllerMap> map) {
  std::lock_guard<std::mutex> lock(owner_mutex_);
  map_.store(map.get(), std::memory_order_seq_cst);
  // A callback that entered before the store may still read the old map: wait until it has left.
  // Callbacks take microseconds, so this waits at most that long (and not at all when idle).
  const uint64_t entered = entered_.load(std::memory_order_seq_cst);
  while (left_.load(std::memory_order_seq_cst) < entered) std::this_thread::yield();
  owned_ = std::move(map);  // the old map is freed here, on this thread
}

std::shared_ptr<const ControllerMap> MidiInput::controller_map() const {
  std::lock_guard<std::mutex> lock(owner_mutex_);
  return owned_;
}

void MidiInput::start() {
  if (started_ || !port_) return;
  port_->ignoreTypes(/*sysex=*/true, /*timing=*/false, /*active sensing=*/true);
  port_->setCallback(&MidiInput::rtmidi_callback, this);
  started_ = true;
}

void MidiInput::stop() {
  if (!started_) return;
  port_->cancelCallback();
  started_ = false;
}

void MidiInput::rtmidi_callback(double, std::vector<unsigned char>* message, void* self) {
  // RtMidi's time stamps are deltas on its own clock; CLOCK_MONOTONIC at arrival is what the engine
  // can compare with its FrameClock.
  if (message && !message->empty())
    static_cast<MidiInput*>(self)->on_message(message->data(), message->size(), monotonic_now_ns());
}

void MidiInput::on_message(const uint8_t* bytes, size_t size, int64_t ns) {
  if (size == 0) return;
  messages_.fetch_add(1, std::memory_order_relaxed);
  const uint8_t status = bytes[0];
  if (status >= 0xF8) {  // real-time bytes: clock, start, continue, stop (others are ignored there)
    clock_.on_byte(status, ns);
    return;
  }
  if (status == kMidiSongPosition) {
    if (size >= 3) clock_.on_song_position((bytes[1] & 0x7F) | ((bytes[2] & 0x7F) << 7), ns);
    return;
  }
  const uint8_t kind = status & 0xF0;
  const int channel = status & 0x0F;
  if (kind == kMidiNoteOn && size >= 3 && bytes[2] > 0) {
    const NoteIn note{static_cast<uint8_t>(channel), static_cast<uint8_t>(bytes[1] & 0x7F),
                      static_cast<uint8_t>(bytes[2] & 0x7F), ns};
    if (!notes_.try_enqueue(note)) dropped_notes_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (kind != kMidiCC || size < 3) return;
  const int cc = bytes[1] & 0x7F, value = bytes[2] & 0x7F;
  ControllerBinding learned;
  if (learn_.on_cc(channel, cc, learned)) {
    if (!learned_.try_enqueue(learned)) dropped_learned_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  entered_.fetch_add(1, std::memory_order_seq_cst);
  const ControllerMap* map = map_.load(std::memory_order_seq_cst);
  Control control;
  if (map && map_cc(*map, channel, cc, value, control, &toggles_) && !controls_.try_enqueue(control))
    dropped_controls_.fetch_add(1, std::memory_order_relaxed);
  left_.fetch_add(1, std::memory_order_seq_cst);
}

MidiInStats MidiInput::stats() const {
  MidiInStats s;
  s.messages = messages_.load(std::memory_order_relaxed);
  s.dropped_controls = dropped_controls_.load(std::memory_order_relaxed);
  s.dropped_notes = dropped_notes_.load(std::memory_order_relaxed);
  s.dropped_learned = dropped_learned_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace drumrnn::rt
