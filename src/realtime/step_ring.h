// Generated steps, handed from the generator thread to the audio thread by absolute step index.
// Each slot is one atomic word (step index, class, flags), so the generator may rewrite a step that
// has not played yet (a temperature change, a primer change) and the audio thread reads either the
// old or the new step, never a torn one. Lock-free, allocation-free.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

#include "realtime/rt.h"

namespace drumrnn::rt {

struct PlayedStep {
  int64_t step = 0;
  int drum_class = 0;        // drum_kit: 9-bit mask of the classes hit
  bool from_primer = false;  // the primer itself (phrase start), not the model's continuation
};

class StepRing {
 public:
  static constexpr int kSize = 512;

  void write(int64_t step, int drum_class, bool from_primer) {
    const uint64_t word = (uint64_t(step + 1) << 24) | (from_primer ? 1u << 16 : 0u) | uint64_t(drum_class & 0xFFFF);
    slots_[static_cast<size_t>(step) % kSize].store(word, std::memory_order_release);
  }
  // False when the generator has not written `step` yet (it is late, or the slot holds an older lap).
  DRUMRNN_RT bool read(int64_t step, PlayedStep& out) const {
    const uint64_t word = slots_[static_cast<size_t>(step) % kSize].load(std::memory_order_acquire);
    if (int64_t(word >> 24) != step + 1) return false;
    out = {step, int(word & 0xFFFF), ((word >> 16) & 1) != 0};
    return true;
  }
  void clear() {
    for (auto& s : slots_) s.store(0, std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<uint64_t>, kSize> slots_{};
};

}  // namespace drumrnn::rt
