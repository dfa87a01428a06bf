#include "realtime/midi_learn.h"

namespace drumrnn::rt {

void MidiLearn::arm(ControlTarget target, int index) {
  const uint32_t word = kArmed | (static_cast<uint32_t>(target) << 8) | (static_cast<uint32_t>(index) & 0xFF);
  state_.store(word, std::memory_order_release);
}

void MidiLearn::cancel() { state_.store(0, std::memory_order_release); }

bool MidiLearn::armed() const { return (state_.load(std::memory_order_acquire) & kArmed) != 0; }

bool MidiLearn::on_cc(int channel, int cc, ControllerBinding& learned) {
  if (!(state_.load(std::memory_order_relaxed) & kArmed)) return false;  // the common case: no write
  const uint32_t word = state_.exchange(0, std::memory_order_acq_rel);
  if (!(word & kArmed)) return false;
  learned = ControllerBinding{};
  learned.channel = channel;
  learned.cc = cc;
  learned.target = static_cast<ControlTarget>((word >> 8) & 0xFF);
  learned.index = static_cast<int>(word & 0xFF);
  control_target_range(learned.target, learned.min, learned.max);
  // A pad or button is what one learns for mute; a toggle makes a momentary button latch.
  learned.toggle = learned.target == ControlTarget::drum_mute;
  return true;
}

}  // namespace drumrnn::rt
