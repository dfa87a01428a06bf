// MIDI learn: the panel (or terminal) arms a target, the next CC that arrives is bound to it. Lock-free:
// the armed target and index live in one atomic word, so arm() from any thread and on_cc() on the
// MIDI input thread never block each other, and exactly one CC is learned per arm().
#pragma once
#include <atomic>
#include <cstdint>

#include "realtime/controller_map.h"
#include "realtime/rt.h"

namespace drumrnn::rt {

class MidiLearn {
 public:
  void arm(ControlTarget target, int index = 0);  // any thread; re-arming replaces the target
  void cancel();                                 // any thread
  bool armed() const;

  // MIDI input thread: when armed, disarms and fills `learned` (this channel and CC, the target's
  // natural range, toggle for mute) and returns true.
  DRUMRNN_RT bool on_cc(int channel, int cc, ControllerBinding& learned);

 private:
  static constexpr uint32_t kArmed = 1u << 31;
  std::atomic<uint32_t> state_{0};  // kArmed | target << 8 | index
};

}  // namespace drumrnn::rt
